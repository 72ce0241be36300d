package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.HostileSpecs;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Every spec of the hostile corpus, sent with admission bypassed, ends in Ready=False with reason
 * InvalidSpec and a message that says what to fix; none costs a reconciliation thread or starts a
 * loop, and each ApiToken issues once it is given a valid spec.
 */
@EnableKubernetesMockClient(crud = true)
class HostileSpecTest {
  private static final String NS = "hostile";
  static KubernetesClient client;

  @Test
  void everyHostileSpecEndsInInvalidSpecWithoutLosingAThreadOrLooping() {
    List<HostileSpecs.HostileSpec> corpus = HostileSpecs.load();
    try (RunningOperator operator =
        new RunningOperator(client, new MutableClock(RunningOperator.START))
            // The production resync (10 minutes) rather than the harness's 500 ms, so that any
            // reconciliation in the quiet window below is one the operator asked for or caused.
            .withMaxResync(Duration.ofMinutes(10))
            .start()) {
      for (int i = 0; i < corpus.size(); i++) {
        ApiToken apiToken = ApiTokens.named(name(i)).in(NS).build();
        apiToken.getSpec().setSecretName(null);
        apiToken.setSpec(corpus.get(i).spec());
        operator.create(apiToken);
      }

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                for (int i = 0; i < corpus.size(); i++) {
                  assertThat(
                          ConditionAssert.hasCondition(
                              operator.get(NS, name(i)), Conditions.READY, Conditions.FALSE))
                      .as(corpus.get(i).name())
                      .isTrue();
                }
              });
      for (int i = 0; i < corpus.size(); i++) {
        ApiToken refused = operator.get(NS, name(i));
        String message =
            assertCondition(
                    refused, Conditions.READY, Conditions.FALSE, Conditions.REASON_INVALID_SPEC)
                .getMessage();
        assertThat(message)
            .as(corpus.get(i).name())
            .contains(corpus.get(i).fix())
            .hasSizeLessThan(1024);
      }

      // No hot loop: once every verdict is written, nothing is reconciled or written again.
      Map<String, String> versions = resourceVersions(corpus.size());
      double reconciles = reconciliationsStarted(operator);
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> resourceVersions(corpus.size()).equals(versions));
      assertThat(reconciliationsStarted(operator) - reconciles).isZero();

      // No thread lost: every ApiToken issues once its spec is valid.
      for (int i = 0; i < corpus.size(); i++) {
        client
            .resources(ApiToken.class)
            .inNamespace(NS)
            .withName(name(i))
            .edit(
                apiToken -> {
                  ApiTokenSpec valid = new ApiTokenSpec();
                  valid.setSubject("fixed-client");
                  valid.setScopes(List.of("orders:read"));
                  apiToken.setSpec(valid);
                  return apiToken;
                });
      }
      for (int i = 0; i < corpus.size(); i++) {
        ApiToken ready = operator.awaitReady(NS, name(i));
        assertCondition(ready, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
      }
    }
  }

  private static String name(int i) {
    return "hostile-" + i;
  }

  private Map<String, String> resourceVersions(int count) {
    return IntStream.range(0, count)
        .mapToObj(HostileSpecTest::name)
        .collect(
            Collectors.toMap(
                n -> n,
                n ->
                    client
                        .resources(ApiToken.class)
                        .inNamespace(NS)
                        .withName(n)
                        .get()
                        .getMetadata()
                        .getResourceVersion()));
  }

  private static double reconciliationsStarted(RunningOperator operator) {
    return operator.metrics().getMeters().stream()
        .filter(m -> m.getId().getName().endsWith("reconciliations.started"))
        .filter(Counter.class::isInstance)
        .mapToDouble(m -> ((Counter) m).count())
        .sum();
  }
}
