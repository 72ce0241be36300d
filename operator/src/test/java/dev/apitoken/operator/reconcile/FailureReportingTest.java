package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.operator.token.IssuanceBudget;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a user sees when something goes wrong: the real cause in the condition, a revocation failure
 * called one, a reissue loop held back, and no failure that silently stops reconciliation.
 */
@EnableKubernetesMockClient(crud = true)
class FailureReportingTest {
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  static KubernetesClient client;
  static KubernetesMockServer server;

  private final AtomicBoolean randomFails = new AtomicBoolean();
  private final String ns = "failures-" + NAMESPACES.incrementAndGet();
  private final MutableClock clock = new MutableClock(RunningOperator.START);
  private final RunningOperator operator =
      new RunningOperator(client, clock, "--key-ring-secret=keys-" + ns)
          .withRandom(new FailingRandom(randomFails))
          .start();

  @AfterEach
  void stop() {
    randomFails.set(false);
    operator.deleteAllApiTokens();
    operator.close();
  }

  @Test
  void anErrorWhileIssuingBecomesAConditionAndIsRetriedInsteadOfStoppingReconciliation() {
    randomFails.set(true);
    operator.create(ApiTokens.named("overflow").in(ns).build());

    ApiToken failed = operator.awaitCondition(ns, "overflow", Conditions.READY, Conditions.FALSE);
    assertThat(
            assertCondition(
                    failed, Conditions.READY, Conditions.FALSE, Conditions.REASON_ISSUE_FAILED)
                .getMessage())
        .isEqualTo("issuing failed, retrying: an internal error (StackOverflowError)");

    randomFails.set(false);
    operator.awaitReady(ns, "overflow");
  }

  @Test
  void aRefusedSecretIsReportedWithTheApiCodeReasonAndSecret() {
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/" + ns + "/secrets")
        .andReturn(
            422,
            "{\"kind\":\"Status\",\"code\":422,\"reason\":\"Invalid\",\"message\":\"data:"
                + " eyJhbGciOiJFZERTQSJ9 is refused\",\"details\":{\"kind\":\"secrets\","
                + "\"name\":\"refused-token\"}}")
        .times(2);
    operator.create(ApiTokens.named("refused").in(ns).build());

    ApiToken failed = operator.awaitCondition(ns, "refused", Conditions.READY, Conditions.FALSE);
    String message =
        assertCondition(failed, Conditions.READY, Conditions.FALSE, Conditions.REASON_ISSUE_FAILED)
            .getMessage();
    assertThat(message)
        .startsWith("issuing failed, retrying: the Kubernetes API answered 422 Invalid for secrets")
        .contains("refused-token")
        .doesNotContain("eyJ")
        .doesNotContain("OperatorException");
    operator.awaitReady(ns, "refused");
  }

  @Test
  void aFailedRevocationIsCalledRevocationFailedNotIssuing() {
    operator.create(ApiTokens.named("stuck").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "stuck");
    server
        .expect()
        .delete()
        .withPath("/api/v1/namespaces/" + ns + "/secrets/stuck-token")
        .andReturn(
            403,
            "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\","
                + "\"details\":{\"kind\":\"secrets\",\"name\":\"stuck-token\"}}")
        .times(2);

    ready.getSpec().setRevoked(true);
    client.resource(ready).update();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                ConditionAssert.condition(operator.get(ns, "stuck"), Conditions.READY)
                    .filter(c -> Conditions.REASON_REVOCATION_FAILED.equals(c.getReason()))
                    .isPresent());
    String message =
        ConditionAssert.condition(operator.get(ns, "stuck"), Conditions.READY)
            .orElseThrow()
            .getMessage();
    assertThat(message)
        .isEqualTo(
            "revoking failed, retrying: the Kubernetes API answered 403 Forbidden for secrets "
                + ns
                + "/stuck-token");
    operator.awaitCondition(ns, "stuck", Conditions.REVOKED, Conditions.TRUE);
  }

  @Test
  void aReissueLoopIsThrottledWithAConditionAnEventAndAMetric() {
    operator.create(ApiTokens.named("fought").in(ns).build());
    String jti = operator.awaitReady(ns, "fought").getStatus().getJti();
    // Something keeps deleting the Secret: each deletion costs a token, up to the budget.
    for (int i = 1; i < IssuanceBudget.BURST; i++) {
      client.secrets().inNamespace(ns).withName("fought-token").delete();
      jti = operator.awaitNewToken(ns, "fought", jti).getStatus().getJti();
    }
    client.secrets().inNamespace(ns).withName("fought-token").delete();

    ApiToken throttled = operator.awaitCondition(ns, "fought", Conditions.READY, Conditions.FALSE);
    assertThat(
            assertCondition(
                    throttled,
                    Conditions.READY,
                    Conditions.FALSE,
                    Conditions.REASON_ISSUANCE_THROTTLED)
                .getMessage())
        .startsWith("5 tokens were issued for this ApiToken within 10 minutes, so the next is")
        .contains("the token Secret does not exist");
    assertThat(throttled.getStatus().getJti()).isEqualTo(jti);
    assertThat(operator.secret(ns, "fought-token")).isNull();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                events("fought").stream()
                    .anyMatch(e -> Conditions.REASON_ISSUANCE_THROTTLED.equals(e.getReason())));
    assertThat(operator.metrics().counter("apitoken.token.issues.throttled").count())
        .isEqualTo(1.0);

    // Once the wait is over, the next reconciliation issues again.
    clock.advance(IssuanceBudget.WINDOW);
    ApiToken later = operator.get(ns, "fought");
    later.getSpec().setScopes(List.of("orders:read"));
    client.resource(later).update();
    operator.awaitNewToken(ns, "fought", jti);
  }

  @Test
  void aLongApiTokenNameGetsValidEventNamesAndSecretLabels() {
    String name = "n".repeat(240);
    operator.create(ApiTokens.named(name).in(ns).secretName("long-name-token").build());
    ApiToken first = operator.awaitReady(ns, name);
    // A first issue posts no Event; a scope change reissues and posts one.
    first.getSpec().setScopes(List.of("orders:read"));
    client.resource(first).update();
    operator.awaitNewToken(ns, name, first.getStatus().getJti());

    await().atMost(Duration.ofSeconds(10)).until(() -> !events(name).isEmpty());
    assertThat(events(name))
        .allSatisfy(
            e ->
                assertThat(e.getMetadata().getName())
                    .hasSizeLessThanOrEqualTo(253)
                    .matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"));
    assertThat(operator.secret(ns, "long-name-token").getMetadata().getLabels())
        .hasEntrySatisfying(
            Labels.API_TOKEN_NAME,
            value -> assertThat(value).hasSizeLessThanOrEqualTo(63).startsWith("nnnn"));
  }

  private List<Event> events(String involvedName) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> involvedName.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** Fails every draw with the Error a too-deep recursion raises, while {@code fails} is set. */
  private static final class FailingRandom extends SecureRandom {
    private final AtomicBoolean fails;

    FailingRandom(AtomicBoolean fails) {
      this.fails = fails;
    }

    @Override
    public void nextBytes(byte[] bytes) {
      if (fails != null && fails.get()) {
        throw new StackOverflowError();
      }
      super.nextBytes(bytes);
    }
  }
}
