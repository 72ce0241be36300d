package dev.apitoken.operator.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.testing.DelegatingConfigMaps;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A watch may deliver a store's own write before the write's answer arrives (seen on a busy API
 * server). While more was added meanwhile, that event is not an edit by someone else: no
 * "restoring" warning, no restore metric, and everything wanted is stored in the end.
 */
@EnableKubernetesMockClient(crud = true)
class OwnWriteSeenFirstTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static KubernetesClient client;

  @Test
  void aStoresOwnWriteSeenBeforeItsAnswerIsNotAnEdit() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicReference<RevocationStore> storeRef = new AtomicReference<>();
    AtomicReference<Runnable> duringFirstUpdate =
        new AtomicReference<>(() -> storeRef.get().record(List.of(record(8))));
    RevocationStore store =
        new RevocationStore(
            new OwnWriteFirst(new Fabric8ConfigMaps(client), duringFirstUpdate),
            "ops",
            "issued",
            Clock.fixed(NOW, ZoneOffset.UTC),
            Duration.ofDays(30),
            Fence.OPEN,
            new OperatorMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC)),
            () -> {},
            Scheduling.THREADS);
    storeRef.set(store);
    try (store) {
      store.start();
      store.record(List.of(record(3))).join();
      store.record(List.of(record(5))).join(); // an update: delivered to the watch first
      store.record(List.of(record(9))).join();
      assertThat(duringFirstUpdate.get()).isNull();
      assertThat(StoredState.records(client, "ops", "issued"))
          .extracting(IssueRecord::index)
          .containsExactly(3L, 5L, 8L, 9L);
      assertThat(registry.find("apitoken.state.restores").counters()).isEmpty();
    }
  }

  private static IssueRecord record(long index) {
    return new IssueRecord(
        index, NOW.plusSeconds(86_400), "uid-" + index, "apps", "t" + index, "jti-" + index, false);
  }

  /** Hands every update to the watch handlers before the update returns. */
  private static final class OwnWriteFirst extends DelegatingConfigMaps {
    private final AtomicReference<Runnable> duringFirstUpdate;
    private final List<Handler> handlers = new CopyOnWriteArrayList<>();

    OwnWriteFirst(ConfigMapApi api, AtomicReference<Runnable> duringFirstUpdate) {
      super(api);
      this.duringFirstUpdate = duringFirstUpdate;
    }

    @Override
    public ConfigMap update(ConfigMap configMap) {
      ConfigMap written = super.update(configMap);
      Runnable meanwhile = duringFirstUpdate.getAndSet(null);
      if (meanwhile != null) {
        meanwhile.run(); // more is wanted while this write is in flight
      }
      handlers.forEach(
          h ->
              h.changed(
                  written.getMetadata().getNamespace(), written.getMetadata().getName(), written));
      return written;
    }

    @Override
    public AutoCloseable watch(String namespace, Map<String, String> labels, Handler handler) {
      handlers.add(handler);
      AutoCloseable inner = super.watch(namespace, labels, handler);
      return () -> {
        handlers.remove(handler);
        inner.close();
      };
    }
  }
}
