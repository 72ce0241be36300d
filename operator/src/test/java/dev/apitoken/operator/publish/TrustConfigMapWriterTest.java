package dev.apitoken.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TrustedKeys;
import dev.apitoken.operator.model.InMemoryConfigMaps;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The copy writer alone, on the in-memory API: it writes only what differs from the copy it knows,
 * never without the Lease, reads again after a conflict, names the copy the API server refused, and
 * a round's fan-out tells delivered, refusing and failing namespaces apart.
 */
class TrustConfigMapWriterTest {
  private static final Map<String, String> FILES = Map.of("status-list.json", "{\"v\":1}");
  private static final Map<String, String> CONTENT =
      Map.of(TrustPublisher.CONTENT_ANNOTATION, "v1");
  private static final TrustedKeys NO_KEYS = TrustedKeys.of(Map.of());

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final InMemoryConfigMaps cluster =
      new InMemoryConfigMaps(clock, "ops", "team-a", "team-b");
  private final InMemoryConfigMaps.Client api = cluster.client("operator");
  private final AtomicBoolean leading = new AtomicBoolean(true);
  private final CopyInventory copies = new CopyInventory(api, System::nanoTime);
  private final TrustConfigMapWriter writer =
      new TrustConfigMapWriter(
          api, copies, leading::get, new OperatorMetrics(new SimpleMeterRegistry(), clock));
  private final ExecutorService fanOut = Executors.newSingleThreadExecutor();

  @AfterEach
  void close() {
    fanOut.shutdownNow();
    cluster.close();
  }

  @Test
  void aCopyIsWrittenOnceAndAnUnchangedOneCostsNoWrite() {
    assertThat(write("ops", FILES)).isTrue();
    assertThat(write("ops", FILES)).isFalse();

    assertThat(writer.writes()).isEqualTo(1);
    assertThat(cluster.get("ops", "trust").getData()).isEqualTo(FILES);
    assertThat(cluster.get("ops", "trust").getMetadata().getAnnotations())
        .containsEntry(TrustPublisher.CONTENT_ANNOTATION, "v1");
  }

  @Test
  void withoutTheLeaseNothingIsWritten() {
    leading.set(false);

    assertThatThrownBy(() -> write("ops", FILES))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not the leader");
    assertThat(cluster.get("ops", "trust")).isNull();
  }

  @Test
  void aCopyChangedBehindItsBackIsReadAgainAndWritten() {
    write("ops", FILES);
    cluster.adminEdit("ops", "trust", data -> Map.of("status-list.json", "edited"));
    Map<String, String> next = Map.of("status-list.json", "{\"v\":2}");

    assertThat(write("ops", next)).isTrue();
    assertThat(cluster.get("ops", "trust").getData()).isEqualTo(next);
  }

  @Test
  void aRefusedWriteNamesTheCopyAndTheAnswer() {
    cluster.faults(call -> call.op().equals("create") ? InMemoryConfigMaps.Fault.TOO_LARGE : null);

    assertThatThrownBy(() -> write("team-a", FILES))
        .isInstanceOfSatisfying(
            TrustConfigMapWriter.CopyWriteFailed.class,
            failed -> assertThat(failed.refusedByNamespace()).isTrue())
        .hasMessageContaining("ConfigMap trust in namespace team-a")
        .hasMessageContaining("HTTP 422");
  }

  @Test
  void aRoundTellsDeliveredRefusingAndFailingNamespacesApart() {
    cluster.faults(
        call -> {
          if (!call.op().equals("create")) {
            return null;
          }
          return switch (call.namespace()) {
            case "team-a" -> InMemoryConfigMaps.Fault.TOO_LARGE;
            case "team-b" -> InMemoryConfigMaps.Fault.SERVER_ERROR;
            default -> null;
          };
        });

    TrustConfigMapWriter.Outcome outcome =
        writer.writeAll(
            Set.of("ops", "team-a", "team-b"),
            k -> "trust",
            List.of(FILES),
            k -> CONTENT,
            1,
            NO_KEYS,
            fanOut);

    assertThat(outcome.written()).isEqualTo(1);
    assertThat(outcome.delivered()).containsExactly("ops");
    assertThat(outcome.refused()).containsOnlyKeys("team-a");
    assertThat(outcome.failure()).hasMessageContaining("namespace team-b");
  }

  private boolean write(String namespace, Map<String, String> files) {
    return writer.write(namespace, 0, "trust", files, CONTENT, 1, NO_KEYS);
  }
}
