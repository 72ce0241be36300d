package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.Fence;
import dev.apitoken.operator.store.RevocationStore;
import dev.apitoken.operator.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The shard writer on the deterministic scheduler: its backoff runs on the manual clock, so what
 * takes seconds of retries is checked in milliseconds, the same way every time.
 */
class ShardedStoreOnModelTimeTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aRefusedShardIsRetriedAtMostFiveSecondsApartAndHoldsUpNoOtherShard() {
    MutableClock clock = new MutableClock(NOW);
    DeterministicScheduler scheduler = new DeterministicScheduler(clock, new Random(1));
    InMemoryConfigMaps cluster = new InMemoryConfigMaps(clock, scheduler, "ops");
    cluster.timeoutMillis(0);
    AtomicInteger attempts = new AtomicInteger();
    boolean[] refusing = {true};
    cluster.faults(
        call -> {
          if (call.isWrite() && "issued-0".equals(call.name())) {
            attempts.incrementAndGet();
            return refusing[0] ? InMemoryConfigMaps.Fault.TOO_LARGE : null;
          }
          return null;
        });
    try (RevocationStore store =
        new RevocationStore(
            cluster.client("operator"),
            "ops",
            "issued",
            clock,
            Duration.ofDays(365),
            Fence.OPEN,
            new OperatorMetrics(new SimpleMeterRegistry(), clock),
            () -> {},
            scheduler)) {
      store.start();
      CompletableFuture<Void> refused = store.record(List.of(record(3)));
      CompletableFuture<Void> other = store.record(List.of(record(IndexSpace.RECORD_SHARD_SIZE)));

      assertThat(scheduler.runUntil(other::isDone, Duration.ofMillis(1))).isTrue();
      assertThat(refused).isNotDone();

      scheduler.runFor(Duration.ofSeconds(60));
      // Backoff doubles from 100 ms up to 5 s (half of it jittered): at least 11 tries a minute.
      assertThat(attempts.get()).isBetween(11, 40);
      assertThat(refused).isNotDone();

      refusing[0] = false;
      Instant lifted = clock.instant();
      assertThat(scheduler.runUntil(refused::isDone, Duration.ofSeconds(5))).isTrue();
      assertThat(Duration.between(lifted, clock.instant()))
          .isLessThanOrEqualTo(Duration.ofSeconds(5));
      assertThat(cluster.get("ops", "issued-0")).isNotNull();
    } finally {
      cluster.close();
    }
  }

  private static IssueRecord record(long index) {
    return new IssueRecord(
        index, NOW.plusSeconds(3600), "uid-a", "apps", "a", "jti-" + index, false);
  }
}
