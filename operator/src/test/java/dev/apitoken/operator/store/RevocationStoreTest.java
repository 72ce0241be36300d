package dev.apitoken.operator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.runtime.OperatorMetrics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The revocation store on the mock API server: an ApiToken's tokens are found by its uid in every
 * index block, as stored and after a restart, and no revocation is ever dropped, whatever the other
 * writers of its ConfigMaps do.
 */
@EnableKubernetesMockClient(crud = true)
class RevocationStoreTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final long BLOCK = IndexSpace.RECORD_SHARD_SIZE;
  private static final AtomicInteger NAMES = new AtomicInteger();
  static KubernetesClient client;

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

  @Test
  void forOwnerFindsAnOwnersTokensInEveryBlockAndSeesLaterRevocations() {
    String prefix = "issued-" + NAMES.incrementAndGet();
    List<IssueRecord> alice = List.of(record(3, "uid-alice"), record(2 * BLOCK + 7, "uid-alice"));
    try (RevocationStore store = store(prefix)) {
      store.start();
      store.record(alice).join();
      store.record(List.of(record(4, "uid-bob"), record(BLOCK + 1, "uid-bob"))).join();
      assertThat(store.forOwner("uid-alice")).containsExactlyElementsOf(alice);

      // The first lookup built the block's owner index; a revocation replaces the block.
      store.revoke(List.of(alice.get(0))).join();
      assertThat(store.forOwner("uid-alice"))
          .containsExactly(alice.get(0).asRevoked(), alice.get(1));
      assertThat(store.forOwner("uid-nobody")).isEmpty();
      assertThat(store.indexBound()).isEqualTo(2 * BLOCK + 8);
    }
    try (RevocationStore restarted = store(prefix)) {
      restarted.start();
      assertThat(restarted.forOwner("uid-bob"))
          .containsExactly(record(4, "uid-bob"), record(BLOCK + 1, "uid-bob"));
      assertThat(restarted.forOwner("uid-alice"))
          .containsExactly(alice.get(0).asRevoked(), alice.get(1));
      assertThat(restarted.indexBound()).isEqualTo(2 * BLOCK + 8);
      assertThat(restarted.durable().isRevoked(3)).isTrue();
      assertThat(restarted.durable().isRevoked(2 * BLOCK + 7)).isFalse();
    }
  }

  @Test
  void indexBoundIsZeroWithoutRecords() {
    try (RevocationStore store = store("issued-" + NAMES.incrementAndGet())) {
      store.start();
      assertThat(store.indexBound()).isZero();
      assertThat(store.forOwner("uid-alice")).isEmpty();
    }
  }

  @Test
  void twoConcurrentWritersNeverLoseEachOthersRevocations() {
    String prefix = "issued-" + NAMES.incrementAndGet();
    try (var first = store(prefix);
        var second = store(prefix)) {
      first.start();
      second.start();
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        RevocationStore writer = i % 2 == 0 ? first : second;
        writes.add(writer.revoke(List.of(record(i, "uid-" + i))));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();

      for (int i = 0; i < 200; i++) {
        assertThat(StoredState.revoked(client, "ops", prefix).isRevoked(i))
            .as("index %d", i)
            .isTrue();
      }
    }
  }

  @Test
  void aForeignEditThatDropsARevocationIsUndone() {
    String prefix = "issued-" + NAMES.incrementAndGet();
    try (var store = store(prefix)) {
      store.start();
      store.revoke(List.of(record(1, "uid-a"), record(2, "uid-b"))).join();

      ConfigMap edited = client.configMaps().inNamespace("ops").withName(prefix + "-0").get();
      edited.setData(IssueRecordShard.EMPTY.with(List.of(record(1, "uid-a").asRevoked())).encode());
      client.resource(edited).update();

      await().until(() -> StoredState.revoked(client, "ops", prefix).isRevoked(2));
      assertThat(StoredState.revoked(client, "ops", prefix).isRevoked(1)).isTrue();
    }
  }

  private RevocationStore store(String prefix) {
    return new RevocationStore(
        new Fabric8ConfigMaps(client),
        "ops",
        prefix,
        clock,
        Duration.ofDays(30),
        Fence.OPEN,
        new OperatorMetrics(new SimpleMeterRegistry(), clock),
        () -> {},
        Scheduling.THREADS);
  }

  private static IssueRecord record(long index, String owner) {
    return new IssueRecord(
        index, NOW.plusSeconds(86_400), owner, "apps", owner + "-token", "jti-" + index, false);
  }
}
