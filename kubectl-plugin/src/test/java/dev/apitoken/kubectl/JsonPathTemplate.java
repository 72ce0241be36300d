package dev.apitoken.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of kubectl's JSONPath templates the README uses: one {@code {...}} expression of fields
 * ({@code .a.b}, {@code \.} for a dot inside a key), {@code [*]}, {@code [n]} and a filter {@code
 * [?(@.field=="value")]}. Anything else is refused.
 */
final class JsonPathTemplate {
  private static final Pattern FILTER =
      Pattern.compile("\\?\\(@\\.([A-Za-z0-9_-]+)==(?:\"([^\"]*)\"|'([^']*)')\\)");

  private sealed interface Step permits Field, All, Index, Filter {}

  private record Field(String name) implements Step {}

  private record All() implements Step {}

  private record Index(int index) implements Step {}

  private record Filter(String field, String value) implements Step {}

  private final String template;
  private final List<Step> steps = new ArrayList<>();

  JsonPathTemplate(String template) {
    this.template = template;
    if (!template.startsWith("{") || !template.endsWith("}")) {
      throw refuse("not one {...} expression");
    }
    String path = template.substring(1, template.length() - 1);
    int i = 0;
    while (i < path.length()) {
      char c = path.charAt(i);
      if (c == '.') {
        StringBuilder name = new StringBuilder();
        i++;
        while (i < path.length() && path.charAt(i) != '.' && path.charAt(i) != '[') {
          if (path.charAt(i) == '\\' && i + 1 < path.length() && path.charAt(i + 1) == '.') {
            name.append('.');
            i += 2;
          } else {
            name.append(path.charAt(i++));
          }
        }
        if (name.isEmpty()) {
          throw refuse("an empty field name");
        }
        steps.add(new Field(name.toString()));
      } else if (c == '[') {
        int end = path.indexOf(']', i);
        if (end < 0) {
          throw refuse("unterminated [");
        }
        String inside = path.substring(i + 1, end);
        Matcher filter = FILTER.matcher(inside);
        if (inside.equals("*")) {
          steps.add(new All());
        } else if (inside.matches("[0-9]+")) {
          steps.add(new Index(Integer.parseInt(inside)));
        } else if (filter.matches()) {
          steps.add(
              new Filter(
                  filter.group(1), filter.group(2) != null ? filter.group(2) : filter.group(3)));
        } else {
          throw refuse("[" + inside + "]");
        }
        i = end + 1;
      } else {
        throw refuse("'" + c + "'");
      }
    }
  }

  /** The nodes the expression selects in {@code root}, in document order. */
  List<JsonNode> select(JsonNode root) {
    List<JsonNode> current = List.of(root);
    for (Step step : steps) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        if (step instanceof Field f) {
          if (node.has(f.name())) {
            next.add(node.get(f.name()));
          }
        } else if (step instanceof All) {
          node.elements().forEachRemaining(next::add);
        } else if (step instanceof Index x) {
          if (node.isArray() && x.index() < node.size()) {
            next.add(node.get(x.index()));
          }
        } else if (step instanceof Filter f) {
          node.elements()
              .forEachRemaining(
                  e -> {
                    if (e.has(f.field()) && f.value().equals(e.get(f.field()).asText())) {
                      next.add(e);
                    }
                  });
        }
      }
      current = next;
    }
    return current;
  }

  /** What {@code kubectl get -o jsonpath=...} prints: the values, space-separated. */
  String print(JsonNode root) {
    List<String> values = new ArrayList<>();
    for (JsonNode node : select(root)) {
      values.add(text(node));
    }
    return String.join(" ", values);
  }

  static String text(JsonNode node) {
    return node.isValueNode() ? node.asText() : node.toString();
  }

  private IllegalArgumentException refuse(String what) {
    return new IllegalArgumentException(
        "unsupported JSONPath (" + what + ") in template " + template);
  }
}
