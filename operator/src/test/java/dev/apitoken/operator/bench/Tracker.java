package dev.apitoken.operator.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Follows objects through a watch (the benchmark's own, uncounted) and tells the moment a goal
 * first held: when the last of the expected number of objects satisfied a predicate. Event-driven,
 * so no polling load on the API and no polling interval in the result.
 *
 * @param <T> the watched kind
 */
final class Tracker<T extends HasMetadata> implements AutoCloseable {
  private final SharedIndexInformer<T> informer;
  private final Map<String, T> latest = new HashMap<>();
  private final Set<String> satisfied = new HashSet<>();
  private Predicate<T> each = obj -> false;
  private int count = Integer.MAX_VALUE;
  private long reachedAtNanos;

  Tracker(Informable<T> query) {
    informer =
        query.inform(
            new ResourceEventHandler<T>() {
              @Override
              public void onAdd(T obj) {
                seen(obj);
              }

              @Override
              public void onUpdate(T before, T after) {
                seen(after);
              }

              @Override
              public void onDelete(T obj, boolean finalStateUnknown) {
                synchronized (Tracker.this) {
                  latest.remove(key(obj));
                  satisfied.remove(key(obj));
                }
              }
            });
  }

  private static String key(HasMetadata obj) {
    return obj.getMetadata().getNamespace() + "/" + obj.getMetadata().getName();
  }

  private synchronized void seen(T obj) {
    String key = key(obj);
    latest.put(key, obj);
    if (each.test(obj)) {
      satisfied.add(key);
    } else {
      satisfied.remove(key);
    }
    if (reachedAtNanos == 0 && satisfied.size() >= count) {
      reachedAtNanos = System.nanoTime();
      notifyAll();
    }
  }

  /**
   * Arms a goal that holds once {@code count} objects satisfy {@code each}: checked at once against
   * every object seen so far, then on every event.
   */
  synchronized void expectCount(int count, Predicate<T> each) {
    this.each = each;
    this.count = count;
    reachedAtNanos = 0;
    satisfied.clear();
    latest.forEach(
        (key, obj) -> {
          if (each.test(obj)) {
            satisfied.add(key);
          }
        });
    if (satisfied.size() >= count) {
      reachedAtNanos = System.nanoTime();
    }
  }

  /** {@link System#nanoTime()} when the armed goal first held. */
  synchronized long await(Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (reachedAtNanos == 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("goal not reached within " + timeout);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return reachedAtNanos;
  }

  synchronized Map<String, T> snapshot() {
    return new HashMap<>(latest);
  }

  @Override
  public void close() {
    informer.close();
  }
}
