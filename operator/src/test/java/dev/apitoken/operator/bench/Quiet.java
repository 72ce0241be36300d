package dev.apitoken.operator.bench;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** Waits for the operator to stop sending requests, so trailing writes (Events) are counted. */
final class Quiet {
  private Quiet() {}

  static void until(RequestCounter requests) {
    until(requests, Duration.ofSeconds(60));
  }

  /** As {@link #until(RequestCounter)}, waiting at most {@code atMost} for the quiet moment. */
  static void until(RequestCounter requests, Duration atMost) {
    AtomicReference<Map<String, Long>> last = new AtomicReference<>(requests.snapshot());
    await()
        .pollInterval(Duration.ofMillis(100))
        .during(Duration.ofMillis(1500))
        .atMost(atMost)
        .until(() -> last.getAndSet(requests.snapshot()).equals(last.get()));
  }
}
