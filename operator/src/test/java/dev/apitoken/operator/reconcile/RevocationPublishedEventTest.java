package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static dev.apitoken.operator.testing.ConditionAssert.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A revocation completes when the publish round that carries it completes: the publisher's event
 * reconciles the ApiToken at once. Resync is a minute here and the fallback look-again is seconds
 * away, so only the event can make RevocationPublished True within the bound below.
 */
@EnableKubernetesMockClient(crud = true)
class RevocationPublishedEventTest {
  private static final int REVOCATIONS = 5;

  /** Well under the fallback reschedule of {@link ApiTokenReconciler} (5 s). */
  private static final Duration PROMPTLY = Duration.ofSeconds(3);

  static KubernetesClient client;

  @Test
  void revocationPublishedBecomesTrueAsSoonAsThePublishRoundCompletes() {
    String ns = "apps";
    try (RunningOperator operator =
        new RunningOperator(client, new MutableClock(RunningOperator.START))
            .withMaxResync(Duration.ofMinutes(1))) {
      for (String target : List.of(ns, "workloads-a", "workloads-b")) {
        operator.createNamespace(target, Map.of());
      }
      operator.start();
      List<ApiToken> ready = new ArrayList<>();
      for (int i = 0; i < REVOCATIONS; i++) {
        operator.create(ApiTokens.named("leaked-" + i).in(ns).build());
        ready.add(operator.awaitReady(ns, "leaked-" + i));
      }

      long totalMillis = 0;
      double totalReconciles = 0;
      for (ApiToken token : ready) {
        String name = token.getMetadata().getName();
        long index = token.getStatus().getStatusListIndex();
        double reconcilesBefore = reconciliationsStarted(operator);
        long start = System.nanoTime();
        client
            .resources(ApiToken.class)
            .inNamespace(ns)
            .withName(name)
            .edit(
                t -> {
                  t.getSpec().setRevoked(true);
                  return t;
                });
        await()
            .atMost(PROMPTLY)
            .pollInterval(Duration.ofMillis(20))
            .until(
                () ->
                    hasCondition(
                        operator.get(ns, name), Conditions.REVOCATION_PUBLISHED, Conditions.TRUE));
        totalMillis += (System.nanoTime() - start) / 1_000_000;
        ApiToken revoked = operator.get(ns, name);
        assertCondition(
            revoked, Conditions.REVOCATION_PUBLISHED, Conditions.TRUE, Conditions.REASON_PUBLISHED);
        assertCondition(
            revoked, Conditions.RECONCILING, Conditions.FALSE, Conditions.REASON_SETTLED);
        assertThat(operator.publishedStatus("workloads-b", index)).isEqualTo(StatusList.INVALID);
        totalReconciles += reconciliationsStarted(operator) - reconcilesBefore;
      }
      System.out.printf(
          "RevocationPublishedEventTest: %d revocations, mean %d ms to RevocationPublished=True,"
              + " %.1f reconciles each%n",
          REVOCATIONS, totalMillis / REVOCATIONS, totalReconciles / REVOCATIONS);
    }
  }

  private static double reconciliationsStarted(RunningOperator operator) {
    return operator.metrics().getMeters().stream()
        .filter(m -> m.getId().getName().endsWith("reconciliations.started"))
        .filter(Counter.class::isInstance)
        .mapToDouble(m -> ((Counter) m).count())
        .sum();
  }
}
