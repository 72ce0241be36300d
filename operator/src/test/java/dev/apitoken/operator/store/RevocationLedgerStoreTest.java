package dev.apitoken.operator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.revocation.RevocationLedger;
import dev.apitoken.operator.revocation.RevokedToken;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** No revocation is ever dropped, whatever the other writers of the ledger ConfigMap do. */
@EnableKubernetesMockClient(crud = true)
class RevocationLedgerStoreTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final AtomicInteger NAMES = new AtomicInteger();
  static KubernetesClient client;

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

  @Test
  void twoConcurrentWritersNeverLoseEachOthersRevocations() {
    String name = "ledger-" + NAMES.incrementAndGet();
    try (var first = store(name);
        var second = store(name)) {
      first.start();
      second.start();
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        RevocationLedgerStore writer = i % 2 == 0 ? first : second;
        writes.add(writer.revoke(List.of(token(i))));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();

      RevocationLedger stored = stored(name);
      for (int i = 0; i < 200; i++) {
        assertThat(stored.isRevoked(i)).as("index %d", i).isTrue();
      }
    }
  }

  @Test
  void aRevocationCountsOnlyOnceWrittenAndSurvivesARestart() {
    String name = "ledger-" + NAMES.incrementAndGet();
    try (var store = store(name)) {
      store.start();
      store.revoke(List.of(token(7))).join();
      assertThat(stored(name).isRevoked(7)).isTrue();
    }
    try (var restarted = store(name)) {
      assertThat(restarted.start().isRevoked(7)).isTrue();
    }
  }

  @Test
  void aForeignEditThatDropsRevocationsIsUndone() {
    String name = "ledger-" + NAMES.incrementAndGet();
    try (var store = store(name)) {
      store.start();
      store.revoke(List.of(token(1), token(2))).join();

      ConfigMap edited = client.configMaps().inNamespace("ops").withName(name + "-0").get();
      edited.setData(RevocationLedger.empty().with(List.of(token(1))).encodeShards().get(0L));
      client.resource(edited).update();

      await().until(() -> stored(name).isRevoked(2));
      assertThat(stored(name).isRevoked(1)).isTrue();
    }
  }

  private RevocationLedgerStore store(String name) {
    return new RevocationLedgerStore(
        new Fabric8ConfigMaps(client),
        "ops",
        name,
        clock,
        Fence.OPEN,
        ShardedStore.Listener.NONE,
        () -> {});
  }

  private RevocationLedger stored(String name) {
    return StoredState.ledger(client, "ops", name);
  }

  private static RevokedToken token(long index) {
    return new RevokedToken(index, NOW.plusSeconds(3600 * (index % 50 + 1)));
  }
}
