package dev.apitoken.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.model.InMemoryConfigMaps;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.testing.DelegatingConfigMaps;
import dev.apitoken.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The inventory of copies: what exists, as the watch and the lists say, never stale after a delete.
 */
class CopyInventoryTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final InMemoryConfigMaps cluster =
      new InMemoryConfigMaps(clock, "apitoken-system", "team-a");
  private final ConfigMapApi api = cluster.client("operator");

  @AfterEach
  void close() {
    cluster.close();
  }

  private ConfigMap copy(String namespace) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName("apitoken-trust")
        .withLabels(CopyInventory.labels())
        .endMetadata()
        .withData(Map.of("jwks.json", "{}"))
        .build();
  }

  @Test
  void startListsTheCopiesAndTheWatchReportsEveryChange() {
    api.create(copy("apitoken-system"));
    AtomicInteger changes = new AtomicInteger();
    try (CopyInventory inventory = new CopyInventory(api, System::nanoTime)) {
      inventory.start(changes::incrementAndGet);
      assertThat(inventory.get("apitoken-system", "apitoken-trust")).isNotNull();

      api.create(copy("team-a"));
      cluster.drainEvents();

      assertThat(inventory.get("team-a", "apitoken-trust")).isNotNull();
      assertThat(inventory.all()).hasSize(2);
      assertThat(changes.get()).isPositive();
    }
  }

  @Test
  void aVersionWrittenBeforeADeletionWasReportedIsNotRememberedAfterIt() {
    try (CopyInventory inventory = new CopyInventory(api, System::nanoTime)) {
      inventory.start(() -> {});
      Long beforeWrite = inventory.beforeWrite("team-a", "apitoken-trust");
      ConfigMap stored = api.create(copy("team-a"));
      // The namespace's copy is deleted, and the watch reports it, before the writer records its
      // write: the inventory must not believe the copy is still there.
      api.delete("team-a", "apitoken-trust");
      cluster.drainEvents();
      inventory.written(stored, beforeWrite);

      assertThat(inventory.get("team-a", "apitoken-trust")).isNull();
    }
  }

  @Test
  void aDeletionTheWatchMissedIsNoticedByTheNextList() {
    ConfigMapApi deaf =
        new DelegatingConfigMaps(api) {
          @Override
          public AutoCloseable watch(
              String namespace, Map<String, String> labels, ConfigMapApi.Handler handler) {
            return () -> {}; // a watch that was disconnected and reports nothing
          }
        };
    api.create(copy("team-a"));
    try (CopyInventory inventory = new CopyInventory(deaf, System::nanoTime)) {
      inventory.start(() -> {});
      assertThat(inventory.get("team-a", "apitoken-trust")).isNotNull();
      api.delete("team-a", "apitoken-trust");
      assertThat(inventory.get("team-a", "apitoken-trust")).isNotNull();

      inventory.resync();

      assertThat(inventory.get("team-a", "apitoken-trust")).isNull();
      assertThat(inventory.resyncWhenDue()).as("not due right after a list").isFalse();
    }
  }
}
