package dev.apitoken.operator.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An ApiToken's tokens are found by its uid in every index block, as stored and after restart. */
@EnableKubernetesMockClient(crud = true)
class IssueRecordStoreTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final long BLOCK = IndexSpace.RECORD_SHARD_SIZE;
  private static final AtomicInteger NAMES = new AtomicInteger();
  static KubernetesClient client;

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

  @Test
  void forOwnerFindsAnOwnersTokensInEveryBlockAndSeesLaterRevocations() {
    String prefix = "issued-" + NAMES.incrementAndGet();
    List<IssueRecord> alice = List.of(record(3, "uid-alice"), record(2 * BLOCK + 7, "uid-alice"));
    try (IssueRecordStore store = store(prefix)) {
      store.start();
      store.record(alice).join();
      store.record(List.of(record(4, "uid-bob"), record(BLOCK + 1, "uid-bob"))).join();
      assertThat(store.forOwner("uid-alice")).containsExactlyElementsOf(alice);

      // The first lookup built the block's owner index; a revocation replaces the block.
      store.record(List.of(alice.get(0).asRevoked())).join();
      assertThat(store.forOwner("uid-alice"))
          .containsExactly(alice.get(0).asRevoked(), alice.get(1));
      assertThat(store.forOwner("uid-nobody")).isEmpty();
      assertThat(store.indexBound()).isEqualTo(2 * BLOCK + 8);
    }
    try (IssueRecordStore restarted = store(prefix)) {
      restarted.start();
      assertThat(restarted.forOwner("uid-bob"))
          .containsExactly(record(4, "uid-bob"), record(BLOCK + 1, "uid-bob"));
      assertThat(restarted.forOwner("uid-alice"))
          .containsExactly(alice.get(0).asRevoked(), alice.get(1));
      assertThat(restarted.indexBound()).isEqualTo(2 * BLOCK + 8);
    }
  }

  @Test
  void indexBoundIsZeroWithoutRecords() {
    try (IssueRecordStore store = store("issued-" + NAMES.incrementAndGet())) {
      store.start();
      assertThat(store.indexBound()).isZero();
      assertThat(store.forOwner("uid-alice")).isEmpty();
    }
  }

  private IssueRecordStore store(String prefix) {
    return new IssueRecordStore(
        new Fabric8ConfigMaps(client),
        "ops",
        prefix,
        clock,
        Fence.OPEN,
        ShardedStore.Listener.NONE);
  }

  private static IssueRecord record(long index, String owner) {
    return new IssueRecord(
        index, NOW.plusSeconds(86_400), owner, "apps", owner + "-token", "jti-" + index, false);
  }
}
