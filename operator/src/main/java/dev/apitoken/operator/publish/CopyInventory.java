package dev.apitoken.operator.publish;

import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.store.ConfigMapApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which trust copies exist, in any namespace, as last seen: a watch plus a list at start and every
 * {@link #RESYNC_INTERVAL}. Its only use is to decide whether a copy needs writing and against
 * which resourceVersion; what a copy says is never state (the publisher reads back only our own
 * signed lists, verified, as {@link SignedEvidence}).
 */
final class CopyInventory implements AutoCloseable {
  /** How often every copy is listed again (a list of every copy: not every minute). */
  static final Duration RESYNC_INTERVAL = Duration.ofMinutes(10);

  private final ConfigMapApi api;
  private final LongSupplier nanoTime;

  /** Every copy, as last seen ("ns/name" to map). */
  private final Map<String, ConfigMap> copies = new ConcurrentHashMap<>();

  /**
   * Deletions the watch reported, per copy ("ns/name" to count). A version read or written before a
   * deletion was reported never goes back into {@link #copies} after it: the publisher would
   * believe a deleted copy is there and, its content being current, never write it again.
   */
  private final Map<String, Long> deletionsSeen = new ConcurrentHashMap<>();

  private volatile long lastResyncNanos;
  private AutoCloseable watch;

  /** With monotonic time from {@code nanoTime} (the model test's manual clock). */
  CopyInventory(ConfigMapApi api, LongSupplier nanoTime) {
    this.api = api;
    this.nanoTime = nanoTime;
  }

  static Map<String, String> labels() {
    return Labels.managed(TrustConfigMapWriter.COMPONENT);
  }

  /**
   * Watches every copy, then lists them (a copy deleted in between is then known to be gone);
   * {@code changed} hears of every change the watch reports. Once; later calls do nothing.
   */
  synchronized void start(Runnable changed) {
    if (watch != null) {
      return;
    }
    watch =
        api.watch(
            null,
            labels(),
            (ns, name, after) -> {
              String key = ns + "/" + name;
              if (after == null) {
                deletionsSeen.merge(key, 1L, Long::sum);
                copies.remove(key);
              } else {
                copies.merge(key, after, CopyInventory::newer);
              }
              changed.run();
            });
    resync();
  }

  /**
   * Lists every copy again, so the picture rests on the API server, not only on a watch that may
   * have missed a deletion while disconnected.
   */
  void resync() {
    Map<String, Long> deletionsBefore = Map.copyOf(deletionsSeen);
    Map<String, ConfigMap> listed = new TreeMap<>();
    for (ConfigMap map : api.list(null, labels())) {
      listed.put(key(map), map);
    }
    listed.values().forEach(map -> remember(map, deletionsBefore.get(key(map))));
    // Cached but not listed: gone, or written after the list was taken. Asked one by one.
    for (Map.Entry<String, ConfigMap> cached : Map.copyOf(copies).entrySet()) {
      if (!listed.containsKey(cached.getKey())) {
        ConfigMap was = cached.getValue();
        ConfigMap now = api.get(was.getMetadata().getNamespace(), was.getMetadata().getName());
        if (now == null) {
          copies.remove(cached.getKey(), was);
        } else {
          remember(now, deletionsBefore.get(cached.getKey()));
        }
      }
    }
    lastResyncNanos = nanoTime.getAsLong();
  }

  /** {@link #resync()} when the last one is {@link #RESYNC_INTERVAL} old; true when it ran. */
  boolean resyncWhenDue() {
    if (nanoTime.getAsLong() - lastResyncNanos >= RESYNC_INTERVAL.toNanos()) {
      resync();
      return true;
    }
    return false;
  }

  /** The copy {@code namespace/name} as last seen; null when none is known. */
  ConfigMap get(String namespace, String name) {
    return copies.get(namespace + "/" + name);
  }

  /** Every copy as last seen. */
  Collection<ConfigMap> all() {
    return List.copyOf(copies.values());
  }

  /**
   * A token to pass to {@link #written} with the version written: taken before the write, so a
   * deletion reported meanwhile keeps that version out.
   */
  Long beforeWrite(String namespace, String name) {
    return deletionsSeen.get(namespace + "/" + name);
  }

  /** Records the version a write stored, unless the copy was reported deleted since. */
  void written(ConfigMap stored, Long beforeWrite) {
    remember(stored, beforeWrite);
  }

  private void remember(ConfigMap version, Long deletionsBefore) {
    copies.compute(
        key(version),
        (key, cached) -> {
          if (!Objects.equals(deletionsSeen.get(key), deletionsBefore)) {
            return cached;
          }
          return cached == null ? version : newer(cached, version);
        });
  }

  /** The newest of two versions of one copy (resourceVersions are numbers on our API servers). */
  private static ConfigMap newer(ConfigMap a, ConfigMap b) {
    try {
      return Long.parseLong(b.getMetadata().getResourceVersion())
              >= Long.parseLong(a.getMetadata().getResourceVersion())
          ? b
          : a;
    } catch (RuntimeException opaque) {
      return b;
    }
  }

  private static String key(ConfigMap map) {
    return map.getMetadata().getNamespace() + "/" + map.getMetadata().getName();
  }

  @Override
  public synchronized void close() {
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception ignored) {
        // nothing to do on close
      }
    }
  }
}
