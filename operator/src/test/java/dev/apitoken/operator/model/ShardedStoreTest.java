package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.testing.MutableClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shard writer alone, on the deterministic scheduler and an in-memory API: one write for
 * concurrent changes, a deleted, edited or corrupt shard put back from memory, a stored shard with
 * more merged in, the fence, and a conflict merged with the other writer's content.
 */
class ShardedStoreTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private final MutableClock clock = new MutableClock(NOW);
  private final DeterministicScheduler scheduler = new DeterministicScheduler(clock, new Random(7));
  private final InMemoryConfigMaps cluster = new InMemoryConfigMaps(clock, scheduler, "ops");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicBoolean leading = new AtomicBoolean(true);
  private final List<Long> storedChanged = new ArrayList<>();
  private final AtomicInteger writes = new AtomicInteger();
  private final ShardedStore store =
      new ShardedStore(
          cluster.client("operator"),
          "ops",
          "issued",
          leading::get,
          new OperatorMetrics(registry, clock),
          storedChanged::add,
          scheduler);

  ShardedStoreTest() {
    cluster.timeoutMillis(0);
    cluster.faults(
        call -> {
          if (call.isWrite()) {
            writes.incrementAndGet();
          }
          return null;
        });
  }

  @AfterEach
  void close() {
    store.close();
    cluster.close();
  }

  @Test
  void concurrentChangesOfOneShardGoOutInOneWriteAndEveryCallerHearsOfIt() {
    store.start();
    CompletableFuture<Void> first = store.update(0, s -> s.with(List.of(record(1))));
    CompletableFuture<Void> second = store.update(0, s -> s.with(List.of(record(2))));
    settle(first, second);

    assertThat(writes).hasValue(1);
    assertThat(stored()).containsExactly(1L, 2L);
    assertThat(storedChanged).contains(0L);
    assertThat(store.update(0, s -> s.with(List.of(record(1))))).as("already stored").isDone();
  }

  @Test
  void aShardSomeoneDeletesIsWrittenBackFromMemory() {
    store.start();
    settle(store.update(0, s -> s.with(List.of(record(1)))));

    cluster.adminDelete("ops", "issued-0");
    scheduler.runFor(Duration.ofSeconds(1));

    assertThat(stored()).containsExactly(1L);
    assertThat(restores("deleted")).isEqualTo(1);
  }

  @Test
  void aShardEditedToLackARecordIsRestoredAndOneWithMoreIsMergedIn() {
    store.start();
    settle(store.update(0, s -> s.with(List.of(record(1), record(2)))));

    cluster.adminEdit(
        "ops",
        "issued-0",
        data -> IssueRecordShard.EMPTY.with(List.of(record(1), record(3))).encode());
    scheduler.runFor(Duration.ofSeconds(1));

    assertThat(stored()).containsExactly(1L, 2L, 3L);
    assertThat(store.wanted(0).get(3)).isNotNull();
    assertThat(restores("edited")).isEqualTo(1);
  }

  @Test
  void aCorruptShardIsRewrittenFromMemory() {
    store.start();
    settle(store.update(0, s -> s.with(List.of(record(1)))));

    cluster.adminEdit("ops", "issued-0", data -> Map.of("format", "something else"));
    scheduler.runFor(Duration.ofSeconds(1));

    assertThat(stored()).containsExactly(1L);
    assertThat(restores("corrupt")).isEqualTo(1);
  }

  @Test
  void withoutTheLeaseNothingIsWrittenAndTheFailureSaysWhy() {
    leading.set(false);
    store.start();
    CompletableFuture<Void> change = store.update(0, s -> s.with(List.of(record(1))));
    scheduler.runFor(Duration.ofSeconds(10));

    assertThat(change).isNotDone();
    assertThat(writes).hasValue(0);
    assertThat(store.failure(0))
        .get()
        .extracting(ShardedStore.Failure::reason)
        .isEqualTo("not the leader");
    assertThat(store.pendingShards()).isEqualTo(1);

    leading.set(true);
    assertThat(scheduler.runUntil(change::isDone, Duration.ofSeconds(6))).isTrue();
    assertThat(store.failure(0)).isEmpty();
    assertThat(stored()).containsExactly(1L);
  }

  @Test
  void aConflictIsMergedWithWhatTheOtherWriterStored() {
    store.start();
    settle(store.update(0, s -> s.with(List.of(record(1)))));
    // Another writer's version lands between our read and our write: our update is stale.
    AtomicBoolean once = new AtomicBoolean(true);
    cluster.faults(
        call -> {
          if (call.op().equals("update") && once.getAndSet(false)) {
            cluster.adminEdit(
                "ops",
                "issued-0",
                data -> IssueRecordShard.decode(data).with(List.of(record(5))).encode());
          }
          return null;
        });
    settle(store.update(0, s -> s.with(List.of(record(2)))));

    assertThat(stored()).containsExactly(1L, 2L, 5L);
  }

  @Test
  void aRefusedShardIsReportedAsRefusedAndCounted() {
    cluster.faults(call -> call.isWrite() ? InMemoryConfigMaps.Fault.TOO_LARGE : null);
    store.start();
    CompletableFuture<Void> change = store.update(0, s -> s.with(List.of(record(1))));
    scheduler.runFor(Duration.ofSeconds(1));

    assertThat(change).isNotDone();
    assertThat(store.failure(0)).get().extracting(ShardedStore.Failure::refused).isEqualTo(true);
    assertThat(registry.get("apitoken.state.writes.refused").counter().count()).isPositive();
  }

  private void settle(CompletableFuture<?>... futures) {
    assertThat(
            scheduler.runUntil(
                () -> CompletableFuture.allOf(futures).isDone(), Duration.ofSeconds(5)))
        .isTrue();
    scheduler.runFor(Duration.ofMillis(100));
  }

  private List<Long> stored() {
    var map = cluster.get("ops", "issued-0");
    assertThat(map).isNotNull();
    return IssueRecordShard.decode(map.getData()).records().stream()
        .map(IssueRecord::index)
        .toList();
  }

  private double restores(String why) {
    Counter counter = registry.find("apitoken.state.restores").tag("why", why).counter();
    return counter == null ? 0 : counter.count();
  }

  private static IssueRecord record(long index) {
    return new IssueRecord(
        index, NOW.plusSeconds(3600), "uid-" + index, "apps", "t" + index, "jti-" + index, false);
  }
}
