package dev.apitoken.gateway.examples;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** HTTP headers as a proxy sees them: names case-insensitive, order kept, values per name. */
final class Headers {
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  private record Entry(String name, List<String> values) {}

  static Headers of(String... namesAndValues) {
    Headers headers = new Headers();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return headers;
  }

  Headers copy() {
    Headers copy = new Headers();
    entries.values().forEach(e -> e.values().forEach(v -> copy.add(e.name(), v)));
    return copy;
  }

  Headers add(String name, String value) {
    entries.computeIfAbsent(key(name), k -> new Entry(name, new ArrayList<>())).values().add(value);
    return this;
  }

  /** Replaces every value of {@code name}. */
  Headers set(String name, String value) {
    remove(name);
    return add(name, value);
  }

  Headers remove(String name) {
    entries.remove(key(name));
    return this;
  }

  boolean has(String name) {
    return entries.containsKey(key(name));
  }

  Optional<String> first(String name) {
    Entry entry = entries.get(key(name));
    return entry == null ? Optional.empty() : Optional.of(entry.values().get(0));
  }

  List<String> all(String name) {
    Entry entry = entries.get(key(name));
    return entry == null ? List.of() : List.copyOf(entry.values());
  }

  Collection<String> names() {
    return entries.values().stream().map(Entry::name).toList();
  }

  private static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return entries.values().stream()
        .map(e -> e.name() + ": " + String.join(", ", e.values()))
        .toList()
        .toString();
  }
}
