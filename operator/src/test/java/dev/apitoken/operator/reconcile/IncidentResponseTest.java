package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.Rotation;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, operator side: a renew request, revoking the tokens issued before a time (at once or
 * after a grace period), retiring replaced tokens after spec.rotation.previousTokenGracePeriod, and
 * the kstatus conditions, each as a user sees it: Secret, conditions, Events, and what a verifier
 * reading each published copy says about the old and the new token.
 */
@EnableKubernetesMockClient(crud = true)
class IncidentResponseTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final List<String> TOKENS_SEEN = new CopyOnWriteArrayList<>();
  static KubernetesClient client;

  private RunningOperator operator;
  private MutableClock clock;
  private String ns;
  private final List<String> targets = new ArrayList<>();

  @BeforeEach
  void start() {
    int n = COUNTER.incrementAndGet();
    ns = "incident-" + n;
    clock = new MutableClock(RunningOperator.START);
    operator = new RunningOperator(client, clock);
    targets.clear();
    for (String target : List.of(ns, "consumers-" + n)) {
      operator.createNamespace(target, Map.of());
      targets.add(target);
    }
  }

  @AfterEach
  void stop() {
    TOKENS_SEEN.addAll(operator.tokenValuesSeen());
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  @AfterAll
  static void noTokenValueInAnyLogLine() {
    CapturedLogs.assertNoTokenIn(TOKENS_SEEN);
  }

  @Test
  void renewRequestReissuesOnceAndTheOldTokenStaysValid() {
    // Resyncs an hour apart: only the annotation itself can wake the operator in time.
    operator.withMaxResync(Duration.ofHours(1)).start();
    operator.create(ApiTokens.named("api").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "api");
    String before = operator.tokenValue(ns, "api-token");
    assertCondition(ready, Conditions.RECONCILING, Conditions.FALSE, Conditions.REASON_SETTLED);
    assertCondition(ready, Conditions.STALLED, Conditions.FALSE, Conditions.REASON_SETTLED);

    clock.advance(Duration.ofMinutes(1));
    String requestedAt = clock.instant().toString();
    client
        .resources(ApiToken.class)
        .inNamespace(ns)
        .withName("api")
        .edit(
            t -> {
              t.getMetadata().setAnnotations(Map.of(ReissueRequests.RENEW_ANNOTATION, requestedAt));
              return t;
            });

    ApiToken renewed = operator.awaitNewToken(ns, "api", ready.getStatus().getJti());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> requestedAt.equals(operator.get(ns, "api").getStatus().getLastRenewRequest()));
    String after = operator.tokenValue(ns, "api-token");
    assertThat(after).isNotEqualTo(before);
    assertThat(renewed.getStatus().getIssuedAt()).isEqualTo(requestedAt);
    for (String target : targets) {
      assertThat(operator.verifierFor(target).verify(after).isAccepted()).as(target).isTrue();
      assertThat(operator.verifierFor(target).verify(before).isAccepted()).as(target).isTrue();
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> events(ns, "api").stream().anyMatch(e -> "Renewed".equals(e.getReason())));
    assertThat(CapturedLogs.lines())
        .anyMatch(
            l ->
                l.contains("action=token_renewed")
                    && l.contains("jti=" + renewed.getStatus().getJti())
                    && l.contains("reason=requested"));

    // Carried out once: a later reconcile (a spec edit that needs no token) keeps the token.
    client
        .resources(ApiToken.class)
        .inNamespace(ns)
        .withName("api")
        .edit(
            t -> {
              t.getSpec().setRevocationReason("not revoked, just a touch");
              return t;
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                operator.get(ns, "api").getStatus().getObservedGeneration()
                    == operator.get(ns, "api").getMetadata().getGeneration());
    assertThat(operator.get(ns, "api").getStatus().getJti())
        .isEqualTo(renewed.getStatus().getJti());
    assertThat(
            operator
                .metrics()
                .get("apitoken.tokens.issued")
                .tag("reason", "RenewRequested")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void revokeIssuedBeforeRevokesEveryOlderTokenAndIssuesAFreshOne() {
    operator.start();
    operator.create(ApiTokens.named("leaky").in(ns).scopes("a").build());
    ApiToken first = operator.awaitReady(ns, "leaky");
    String oldest = operator.tokenValue(ns, "leaky-token");
    clock.advance(Duration.ofMinutes(1));
    first.getSpec().setScopes(List.of("b"));
    client.resource(first).update();
    ApiToken second = operator.awaitNewToken(ns, "leaky", first.getStatus().getJti());
    String previous = operator.tokenValue(ns, "leaky-token");

    clock.advance(Duration.ofMinutes(1));
    String cut = clock.instant().toString();
    second.getSpec().setRevokeIssuedBefore(cut);
    client.resource(second).update();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cut.equals(operator.get(ns, "leaky").getStatus().getRevokedIssuedBefore()));
    ApiToken after = operator.get(ns, "leaky");
    String fresh = operator.tokenValue(ns, "leaky-token");
    assertThat(fresh).isNotIn(oldest, previous);
    assertCondition(after, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    assertCondition(
        after, Conditions.PREVIOUS_TOKENS_REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (String target : targets) {
                var verifier = operator.verifierFor(target);
                assertThat(verifier.verify(oldest).rejection()).contains(Rejection.REVOKED);
                assertThat(verifier.verify(previous).rejection()).contains(Rejection.REVOKED);
                assertThat(verifier.verify(fresh).isAccepted()).as(target).isTrue();
              }
            });
    assertThat(after.getStatus().getTokens())
        .filteredOn(t -> t.getRevokedAt() != null)
        .extracting(t -> t.getJti())
        .containsExactlyInAnyOrder(first.getStatus().getJti(), second.getStatus().getJti());
    assertThat(after.getStatus().getRevokedAt()).as("the ApiToken itself is live").isNull();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                events(ns, "leaky").stream()
                    .anyMatch(e -> Conditions.PREVIOUS_TOKENS_REVOKED.equals(e.getReason())));

    // A second cut-off counts only what it revokes itself, not what the first one did.
    clock.advance(Duration.ofMinutes(1));
    String secondCut = clock.instant().toString();
    after.getSpec().setRevokeIssuedBefore(secondCut);
    client.resource(after).update();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> secondCut.equals(operator.get(ns, "leaky").getStatus().getRevokedIssuedBefore()));
    assertThat(
            operator.get(ns, "leaky").getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(Conditions.PREVIOUS_TOKENS_REVOKED))
                .findFirst()
                .orElseThrow()
                .getMessage())
        .startsWith("1 token(s) issued before " + secondCut + " revoked");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(operator.verifierFor(ns).verify(fresh).rejection())
                    .contains(Rejection.REVOKED));
  }

  @Test
  void revokeIssuedBeforeWithGraceKeepsTheOldTokenValidUntilTheGraceEnds() {
    operator.start();
    operator.create(ApiTokens.named("soft").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "soft");
    String old = operator.tokenValue(ns, "soft-token");
    clock.advance(Duration.ofMinutes(1));
    ready.getSpec().setRevokeIssuedBefore(clock.instant().toString());
    ready.getSpec().setRevokeIssuedBeforeGracePeriod("10m");
    client.resource(ready).update();

    ApiToken rotated = operator.awaitNewToken(ns, "soft", ready.getStatus().getJti());
    String fresh = operator.tokenValue(ns, "soft-token");
    ApiToken scheduled =
        operator.awaitCondition(ns, "soft", Conditions.PREVIOUS_TOKENS_REVOKED, Conditions.FALSE);
    Condition scheduledCondition =
        assertCondition(
            scheduled,
            Conditions.PREVIOUS_TOKENS_REVOKED,
            Conditions.FALSE,
            Conditions.REASON_SCHEDULED);
    assertThat(scheduledCondition.getMessage())
        .contains("revoked at " + RunningOperator.START.plus(Duration.ofMinutes(11)));
    for (String target : targets) {
      assertThat(operator.verifierFor(target).verify(old).isAccepted()).as(target).isTrue();
    }

    clock.advance(Duration.ofMinutes(10));
    operator.awaitCondition(ns, "soft", Conditions.PREVIOUS_TOKENS_REVOKED, Conditions.TRUE);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (String target : targets) {
                assertThat(operator.verifierFor(target).verify(old).rejection())
                    .contains(Rejection.REVOKED);
                assertThat(operator.verifierFor(target).verify(fresh).isAccepted()).isTrue();
              }
            });
    assertThat(operator.get(ns, "soft").getStatus().getJti())
        .isEqualTo(rotated.getStatus().getJti());
  }

  @Test
  void previousTokenGracePeriodRevokesTheRenewedTokenAfterTheGrace() {
    operator.start();
    ApiToken spec = ApiTokens.named("rotating").in(ns).ttl("1h").renewBefore("20m").build();
    Rotation rotation = new Rotation();
    rotation.setPreviousTokenGracePeriod("5m");
    spec.getSpec().setRotation(rotation);
    operator.create(spec);
    ApiToken ready = operator.awaitReady(ns, "rotating");
    String old = operator.tokenValue(ns, "rotating-token");

    clock.advance(Duration.ofMinutes(40));
    operator.awaitNewToken(ns, "rotating", ready.getStatus().getJti());
    String fresh = operator.tokenValue(ns, "rotating-token");
    for (String target : targets) {
      assertThat(operator.verifierFor(target).verify(old).isAccepted()).as(target).isTrue();
    }

    clock.advance(Duration.ofMinutes(5));
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              for (String target : targets) {
                assertThat(operator.verifierFor(target).verify(old).rejection())
                    .contains(Rejection.REVOKED);
                assertThat(operator.verifierFor(target).verify(fresh).isAccepted()).isTrue();
              }
            });
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                events(ns, "rotating").stream()
                    .anyMatch(e -> "PreviousTokenRevoked".equals(e.getReason())));
    assertThat(operator.get(ns, "rotating").getStatus().getTokens())
        .filteredOn(t -> ready.getStatus().getJti().equals(t.getJti()))
        .singleElement()
        .satisfies(t -> assertThat(t.getRevokedAt()).isNotNull());
  }

  @Test
  void anInvalidSpecIsStalledWithAWarningEvent() {
    operator.start();
    operator.create(ApiTokens.named("broken").in(ns).ttl("100000h").build());
    ApiToken stalled = operator.awaitCondition(ns, "broken", Conditions.STALLED, Conditions.TRUE);
    assertCondition(stalled, Conditions.STALLED, Conditions.TRUE, Conditions.REASON_INVALID_SPEC);
    assertCondition(
        stalled, Conditions.RECONCILING, Conditions.FALSE, Conditions.REASON_INVALID_SPEC);
    assertThat(ConditionAssert.condition(stalled, Conditions.STALLED).get().getMessage())
        .contains("spec.ttl");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                events(ns, "broken").stream()
                    .anyMatch(
                        e ->
                            "Warning".equals(e.getType())
                                && Conditions.REASON_INVALID_SPEC.equals(e.getReason())
                                && e.getMessage().contains("spec.ttl")));
  }

  private List<Event> events(String namespace, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }
}
