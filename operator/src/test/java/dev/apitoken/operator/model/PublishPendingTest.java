package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.RevocationPath;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.Scheduling;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.token.KeyRing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code apitoken_trust_publish_pending_seconds}, what the ApiTokenRevocationNotPublished alert
 * watches: it keeps counting across failed publish rounds and is 0 once every copy is written.
 */
class PublishPendingTest {
  private static final KeyRing RING = KeyRing.create(Instant.now(), new SecureRandom());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final InMemoryConfigMaps cluster =
      new InMemoryConfigMaps(clock, ModelRun.NAMESPACE, "team-a");
  private final ModelNamespaces namespaces = new ModelNamespaces();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void pendingGrowsWhileACopyCannotBeWrittenAndIsZeroOnceItIs() {
    InMemoryConfigMaps.Client client = cluster.client("replica-1");
    try (RevocationPath path =
        new RevocationPath(
            client,
            namespaces.source(),
            () -> true,
            clock,
            ModelRun.settings(),
            new OperatorMetrics(registry, clock),
            Set::of,
            Scheduling.THREADS)) {
      path.startIndexStore();
      path.startLeading(() -> path.trust().publishKeys(RING));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> cluster.get(ModelRun.NAMESPACE, ModelRun.TRUST) != null && pending() == 0);

      cluster.faults(
          call -> "team-a".equals(call.namespace()) ? InMemoryConfigMaps.Fault.SERVER_ERROR : null);
      namespaces.select("team-a");
      // Rounds fail and are retried meanwhile; each retry must not restart the count.
      await().atMost(Duration.ofSeconds(20)).until(() -> pending() > 1.5);
      assertThat(cluster.get("team-a", ModelRun.TRUST)).isNull();

      cluster.faults(InMemoryConfigMaps.Faults.NONE);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> cluster.get("team-a", ModelRun.TRUST) != null && pending() == 0);
      // Not asserted: that the propagation histogram records >= 1.5 s here. It did in most runs
      // and 0.4 s in about one of three (stop 17): some round during the failures carries no
      // request time. Until that is explained, only the pending gauge above is a claim.
    }
  }

  private double pending() {
    return registry.get("apitoken.trust.publish.pending").gauge().value();
  }
}
