package dev.apitoken.operator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.model.InMemoryConfigMaps;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.testing.DelegatingConfigMaps;
import dev.apitoken.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rules of the one revocation store, on the in-memory API with a manual clock: one write per
 * revocation, concurrent changes of a shard in one write, a revoked index without a record kept
 * with its owner unknown, forgetting only by provable expiry, and nothing taken back from what may
 * be published when a shard is deleted or rolled back.
 */
class RevocationStoreRulesTest {
  private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
  private static final Duration MAX_TTL = Duration.ofDays(30);
  private static final String SHARD = "issued-0";

  private final MutableClock clock = new MutableClock(NOW);
  private final InMemoryConfigMaps cluster = new InMemoryConfigMaps(clock, "ops");
  private final InMemoryConfigMaps.Client api = cluster.client("operator");
  private final List<RevocationStore> stores = new ArrayList<>();

  @AfterEach
  void close() {
    stores.forEach(RevocationStore::close);
    cluster.close();
  }

  @Test
  void aRevocationIsOneWriteOfOneObject() {
    RevocationStore store = started(api);
    store.record(List.of(issued(3))).join();
    long before = api.writes();

    store.revoke(List.of(issued(3))).join();

    assertThat(api.writes() - before).isEqualTo(1);
    assertThat(storedRecord(3).revoked()).isTrue();
    assertThat(store.durable().isRevoked(3)).isTrue();
  }

  @Test
  void concurrentIssuesOfOneShardAreStoredInOneWrite() throws Exception {
    CountDownLatch firstWriteEntered = new CountDownLatch(1);
    CountDownLatch releaseFirstWrite = new CountDownLatch(1);
    ConfigMapApi slowFirstWrite =
        new DelegatingConfigMaps(api) {
          @Override
          public ConfigMap create(ConfigMap configMap) {
            firstWriteEntered.countDown();
            try {
              releaseFirstWrite.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.create(configMap);
          }
        };
    RevocationStore store = started(slowFirstWrite);
    List<CompletableFuture<Void>> issued = new ArrayList<>();
    issued.add(store.record(List.of(issued(0))));
    assertThat(firstWriteEntered.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 1; i < 100; i++) {
      issued.add(store.record(List.of(issued(i))));
    }
    releaseFirstWrite.countDown();
    CompletableFuture.allOf(issued.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

    // The first write, then the 99 issued while it was in flight, together.
    assertThat(api.writes()).isEqualTo(2);
    assertThat(IssueRecordShard.decode(cluster.get("ops", SHARD).getData()).records()).hasSize(100);
  }

  @Test
  void aRevokedIndexWithoutARecordIsStoredWithItsOwnerUnknown() {
    RevocationStore store = started(api);
    store.record(List.of(issued(4))).join();
    Instant unknownExpiry = NOW.plus(Duration.ofDays(366));

    assertThat(store.absorb(bits(4, 9), "signed copies", unknownExpiry)).isEqualTo(2);

    // Shown by our own signed lists, so publishable at once, and stored.
    assertThat(store.durable().isRevoked(9)).isTrue();
    assertThat(store.durable().isRevoked(4)).isTrue();
    await().until(() -> cluster.get("ops", SHARD).getData().get("records").contains("\n9 "));
    IssueRecord unowned = storedRecord(9);
    assertThat(unowned.ownerUid()).isEqualTo(IssueRecord.UNKNOWN);
    assertThat(unowned.revoked()).isTrue();
    assertThat(unowned.expiresAt()).isEqualTo(unknownExpiry);
    // A record that existed keeps its owner and expiry.
    assertThat(storedRecord(4)).isEqualTo(issued(4).asRevoked());
    assertThat(store.absorb(bits(4, 9), "signed copies", unknownExpiry)).isZero();
  }

  @Test
  void aRevocationIsForgottenOnlyByProvableExpiryAndDroppedOnceNoSignedListCanShowIt() {
    RevocationStore store = started(api);
    IssueRecord revoked = issued(3);
    store.revoke(List.of(revoked)).join();
    store.record(List.of(issued(5))).join();
    Instant forgetAt = revoked.expiresAt().plus(IndexSpace.RETENTION_AFTER_EXPIRY);

    clock.set(forgetAt.minusSeconds(1));
    store.prune();
    assertThat(store.durable().isRevoked(3)).isTrue();
    assertThat(store.has(5)).isTrue();

    clock.set(forgetAt);
    store.prune();
    assertThat(store.durable().isRevoked(3)).isFalse();
    assertThat(store.isRevoked(3)).isFalse();
    assertThat(store.has(5)).as("never revoked: dropped at once").isFalse();
    // One of our older signed lists still showing the bit is no revocation the store lost.
    assertThat(store.absorb(bits(3), "signed copies", forgetAt.plus(Duration.ofDays(366))))
        .isZero();
    assertThat(store.durable().isRevoked(3)).isFalse();

    clock.set(forgetAt.plus(MAX_TTL).plus(IndexSpace.RETENTION_AFTER_EXPIRY));
    store.prune();
    assertThat(store.has(3)).isFalse();
    await().until(() -> cluster.get("ops", SHARD) == null);
  }

  @Test
  void aShardDeletedOrRolledBackTakesNothingBackAndIsRestored() {
    RevocationStore store = started(api);
    store.record(List.of(issued(3))).join();
    store.revoke(List.of(issued(3))).join();

    cluster.adminRollback("ops", SHARD, 1);
    assertThat(store.durable().isRevoked(3)).isTrue();
    await().until(() -> storedRecord(3) != null && storedRecord(3).revoked());

    cluster.adminDelete("ops", SHARD);
    assertThat(store.durable().isRevoked(3)).isTrue();
    await().until(() -> storedRecord(3) != null && storedRecord(3).revoked());
  }

  @Test
  void aRestartReadsTheRevocationsBackAsPublishable() {
    started(api).revoke(List.of(issued(7))).join();

    RevocationStore restarted = started(cluster.client("restarted"));

    assertThat(restarted.durable().isRevoked(7)).isTrue();
    assertThat(restarted.forOwner("uid-7")).containsExactly(issued(7).asRevoked());
  }

  private RevocationStore started(ConfigMapApi through) {
    RevocationStore store =
        new RevocationStore(
            through,
            "ops",
            "issued",
            clock,
            MAX_TTL,
            Fence.OPEN,
            new OperatorMetrics(new SimpleMeterRegistry(), clock),
            () -> {},
            Scheduling.THREADS);
    stores.add(store);
    store.start();
    return store;
  }

  private IssueRecord storedRecord(long index) {
    ConfigMap shard = cluster.get("ops", SHARD);
    return shard == null
        ? null
        : IssueRecordShard.decode(shard.getData()).records().stream()
            .filter(r -> r.index() == index)
            .findFirst()
            .orElse(null);
  }

  private static IssueRecord issued(long index) {
    return new IssueRecord(
        index,
        NOW.plus(Duration.ofHours(1)),
        "uid-" + index,
        "apps",
        "t" + index,
        "j" + index,
        false);
  }

  private static BitSet bits(int... indices) {
    BitSet bits = new BitSet();
    for (int i : indices) {
      bits.set(i);
    }
    return bits;
  }
}
