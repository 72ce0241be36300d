package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.StoredState;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class RevocationTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final List<String> TOKENS_SEEN = new CopyOnWriteArrayList<>();
  static KubernetesClient client;
  static KubernetesMockServer server;

  private RunningOperator operator;
  private String ns;
  private final List<String> targets = new ArrayList<>();

  @BeforeEach
  void start() {
    int n = COUNTER.incrementAndGet();
    ns = "apps-" + n;
    operator = new RunningOperator(client, new MutableClock(RunningOperator.START));
    targets.clear();
    for (String target : List.of(ns, "workloads-a-" + n, "workloads-b-" + n)) {
      operator.createNamespace(target, Map.of());
      targets.add(target);
    }
    targets.add(RunningOperator.OPERATOR_NAMESPACE);
    operator.start();
  }

  @AfterEach
  void stop() {
    TOKENS_SEEN.addAll(operator.tokenValuesSeen());
    // Closed even when deletion fails, so no operator outlives its test and disturbs the next.
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  @AfterAll
  static void noTokenValueInAnyLogLine() {
    CapturedLogs.assertNoTokenIn(TOKENS_SEEN);
  }

  @Test
  void revokingSetsTheStatusBitInEveryTargetNamespaceAndDeletesTheSecret() {
    operator.create(ApiTokens.named("leaked").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "leaked");
    String token = operator.tokenValue(ns, "leaked-token");
    long index = ready.getStatus().getStatusListIndex();
    targets.forEach(
        target -> assertThat(operator.verifierFor(target).verify(token).isAccepted()).isTrue());

    ready.getSpec().setRevoked(true);
    ready.getSpec().setRevocationReason("pasted into a public issue");
    client.resource(ready).update();

    ApiToken revoked =
        operator.awaitCondition(ns, "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    assertCondition(revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertCondition(revoked, Conditions.READY, Conditions.FALSE, Conditions.REASON_REVOKED);
    assertThat(revoked.getStatus().getRevokedAt()).isEqualTo(RunningOperator.START.toString());
    assertThat(revoked.getStatus().getRevocationReason()).isEqualTo("pasted into a public issue");
    for (String target : targets) {
      assertThat(operator.publishedStatus(target, index)).as(target).isEqualTo(StatusList.INVALID);
      assertThat(operator.verifierFor(target).verify(token).rejection())
          .contains(Rejection.REVOKED);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> operator.secret(ns, "leaked-token") == null);
    assertThat(operator.metrics().get("apitoken.revoked.tokens").counter().count()).isEqualTo(1.0);
    assertThat(
            operator
                .metrics()
                .get("apitoken.tokens.issued")
                .tag("reason", "FirstIssue")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(operator.metrics().get("apitoken.status.list.revoked.indices").gauge().value())
        .isGreaterThanOrEqualTo(1.0);
    assertThat(CapturedLogs.lines())
        .anyMatch(
            l ->
                l.contains("audit action=revoke")
                    && l.contains("jti=" + revoked.getStatus().getJti()));
  }

  @Test
  void revokingAfterTwoRotationsRevokesAllThreeTokens() {
    operator.create(ApiTokens.named("rotated").in(ns).scopes("a").build());
    List<String> tokens = new ArrayList<>();
    ApiToken current = operator.awaitReady(ns, "rotated");
    tokens.add(operator.tokenValue(ns, "rotated-token"));
    for (String scope : List.of("b", "c")) {
      current.getSpec().setScopes(List.of(scope));
      client.resource(current).update();
      current = operator.awaitNewToken(ns, "rotated", current.getStatus().getJti());
      tokens.add(operator.tokenValue(ns, "rotated-token"));
    }
    assertThat(current.getStatus().getTokens()).hasSize(3);
    tokens.forEach(t -> assertThat(operator.verifierFor(ns).verify(t).isAccepted()).isTrue());

    current.getSpec().setRevoked(true);
    client.resource(current).update();

    ApiToken revoked =
        operator.awaitCondition(ns, "rotated", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    for (IssuedToken issued : revoked.getStatus().getTokens()) {
      targets.forEach(
          target ->
              assertThat(operator.publishedStatus(target, issued.getIndex()))
                  .isEqualTo(StatusList.INVALID));
    }
    for (String target : targets) {
      tokens.forEach(
          t ->
              assertThat(operator.verifierFor(target).verify(t).rejection())
                  .contains(Rejection.REVOKED));
    }
  }

  @Test
  void deletingAnApiTokenPublishesItsRevocationBeforeTheSecretGoes() {
    operator.create(ApiTokens.named("retired").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "retired");
    String token = operator.tokenValue(ns, "retired-token");
    long index = ready.getStatus().getStatusListIndex();
    List<Boolean> revokedEverywhereWhenSecretWent = new CopyOnWriteArrayList<>();
    var watch =
        client
            .secrets()
            .inNamespace(ns)
            .withName("retired-token")
            .watch(
                new Watcher<Secret>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    if (action == Action.DELETED) {
                      revokedEverywhereWhenSecretWent.add(
                          targets.stream()
                              .allMatch(
                                  t -> operator.publishedStatus(t, index) == StatusList.INVALID));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });

    client.resource(ready).delete();

    await().atMost(Duration.ofSeconds(20)).until(() -> operator.get(ns, "retired") == null);
    await().atMost(Duration.ofSeconds(5)).until(() -> !revokedEverywhereWhenSecretWent.isEmpty());
    watch.close();
    assertThat(revokedEverywhereWhenSecretWent).containsOnly(true);
    targets.forEach(
        t ->
            assertThat(operator.verifierFor(t).verify(token).rejection())
                .contains(Rejection.REVOKED));
    // The revoked record outlives the ApiToken until the token's own expiry.
    assertThat(operator.operator().revocationStore().isRevoked(index)).isTrue();
  }

  @Test
  void scheduledRevocationKeepsTheTokenValidUntilItsTime() {
    operator.create(ApiTokens.named("temp").in(ns).ttl("48h").build());
    ApiToken ready = operator.awaitReady(ns, "temp");
    ready.getSpec().setRevokeAt("2026-01-01T12:00:00Z");
    client.resource(ready).update();
    ApiToken scheduled = operator.awaitCondition(ns, "temp", Conditions.REVOKED, Conditions.FALSE);
    assertCondition(scheduled, Conditions.REVOKED, Conditions.FALSE, Conditions.REASON_SCHEDULED);
    assertCondition(scheduled, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    String token = operator.tokenValue(ns, "temp-token");

    operator.clock().advance(Duration.ofHours(12));

    ApiToken revoked =
        operator.awaitCondition(ns, "temp", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    assertCondition(
        revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED_ON_SCHEDULE);
    assertThat(revoked.getStatus().getRevokedAt()).isEqualTo("2026-01-01T12:00:00Z");
    targets.forEach(
        t ->
            assertThat(operator.verifierFor(t).verify(token).rejection())
                .contains(Rejection.REVOKED));
  }

  @Test
  void revocationIsFinalEvenWhenAClientBypassesAdmission() {
    operator.create(ApiTokens.named("final").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "final");
    ready.getSpec().setRevoked(true);
    ApiToken revoked = client.resource(ready).update();
    operator.awaitCondition(ns, "final", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);

    ApiToken unrevoke = operator.get(ns, "final");
    unrevoke.getSpec().setRevoked(false);
    client.resource(unrevoke).update();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                operator.get(ns, "final").getStatus().getConditions().stream()
                    .anyMatch(c -> Conditions.REASON_REVOCATION_FINAL.equals(c.getReason())));
    ApiToken stillRevoked = operator.get(ns, "final");
    assertCondition(
        stillRevoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOCATION_FINAL);
    assertThat(operator.secret(ns, "final-token")).isNull();
    assertThat(operator.publishedStatus(ns, revoked.getStatus().getStatusListIndex()))
        .isEqualTo(StatusList.INVALID);
  }

  @Test
  void editedOrDeletedCopiesAreRestored() {
    operator.create(ApiTokens.named("copies").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "copies");
    ready.getSpec().setRevoked(true);
    client.resource(ready).update();
    long index =
        operator
            .awaitCondition(ns, "copies", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE)
            .getStatus()
            .getStatusListIndex();
    String target = targets.get(1);

    client
        .configMaps()
        .inNamespace(target)
        .withName(operator.config().trustConfigMapName())
        .delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> operator.publishedStatus(target, index) == StatusList.INVALID);

    ConfigMap copy = operator.trustConfigMap(target);
    copy.getData()
        .put(
            TrustDocument.STATUS_LIST_KEY, "{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ\",\"uri\":\"x\"}");
    client.resource(copy).update();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> operator.publishedStatus(target, index) == StatusList.INVALID);

    ConfigMap source = operator.trustConfigMap(RunningOperator.OPERATOR_NAMESPACE);
    source.getData().remove(TrustDocument.STATUS_LIST_KEY);
    client.resource(source).update();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                operator.publishedStatus(RunningOperator.OPERATOR_NAMESPACE, index)
                    == StatusList.INVALID);
  }

  @Test
  void aFailedWriteToATargetNamespaceIsRetriedUntilPublished() {
    operator.create(ApiTokens.named("retried").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "retried");
    long index = ready.getStatus().getStatusListIndex();
    String target = targets.get(2);
    // The API server refuses the next three writes of that namespace's copy. The Kubernetes
    // client retries server errors itself; the publisher's own loop retries whatever outlasts it.
    server
        .expect()
        .put()
        .withPath(
            "/api/v1/namespaces/"
                + target
                + "/configmaps/"
                + operator.config().trustConfigMapName())
        .andReturn(500, "{\"kind\":\"Status\",\"code\":500,\"reason\":\"InternalError\"}")
        .times(3);

    ready.getSpec().setRevoked(true);
    client.resource(ready).update();

    ApiToken published =
        operator.awaitCondition(ns, "retried", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    assertCondition(
        published, Conditions.REVOCATION_PUBLISHED, Conditions.TRUE, Conditions.REASON_PUBLISHED);
    targets.forEach(
        t -> assertThat(operator.publishedStatus(t, index)).as(t).isEqualTo(StatusList.INVALID));
  }

  @Test
  void namespacesCreatedLaterGetTheTrustConfigMap() {
    operator.create(ApiTokens.named("late").in(ns).build());
    operator.awaitReady(ns, "late");
    String newcomer = "created-later-" + COUNTER.get();
    operator.createNamespace(newcomer, Map.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> operator.trustConfigMap(newcomer) != null);
    assertThat(operator.trustConfigMap(newcomer).getData())
        .isEqualTo(operator.trustConfigMap(RunningOperator.OPERATOR_NAMESPACE).getData());
  }

  @Test
  void revocationsSurviveRestartAndLossOfEveryPublishedCopy() {
    operator.create(ApiTokens.named("durable").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "durable");
    String token = operator.tokenValue(ns, "durable-token");
    long index = ready.getStatus().getStatusListIndex();

    operator.close();
    // Revoked while the operator was down: the next start must record and publish it.
    ready.getSpec().setRevoked(true);
    client.resource(ready).update();
    operator.start();
    operator.awaitCondition(ns, "durable", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);

    // Stopped between "revoked" and "published" as far as workloads can tell: every copy is gone.
    operator.close();
    targets.forEach(
        t ->
            client
                .configMaps()
                .inNamespace(t)
                .withName(operator.config().trustConfigMapName())
                .delete());
    operator.start();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                targets.stream()
                    .allMatch(t -> operator.publishedStatus(t, index) == StatusList.INVALID));
    targets.forEach(
        t ->
            assertThat(operator.verifierFor(t).verify(token).rejection())
                .contains(Rejection.REVOKED));
  }

  @Test
  void aDeletedStoreShardIsRestoredFromTheOperatorsCopy() {
    operator.create(ApiTokens.named("ledger").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "ledger");
    ready.getSpec().setRevoked(true);
    client.resource(ready).update();
    ApiToken revoked =
        operator.awaitCondition(ns, "ledger", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    String name = operator.config().issueRecordsConfigMapPrefix();

    client
        .configMaps()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(name + "-0")
        .delete();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              return StoredState.revoked(client, RunningOperator.OPERATOR_NAMESPACE, name)
                  .isRevoked(revoked.getStatus().getTokens().get(0).getIndex());
            });
  }

  @Test
  void anApiTokenCreatedRevokedNeverGetsAToken() {
    operator.create(ApiTokens.named("born-revoked").in(ns).revoked().build());
    ApiToken revoked =
        operator.awaitCondition(ns, "born-revoked", Conditions.REVOKED, Conditions.TRUE);
    assertCondition(revoked, Conditions.READY, Conditions.FALSE, Conditions.REASON_REVOKED);
    assertThat(revoked.getStatus().getTokens()).isEmpty();
    assertThat(operator.secret(ns, "born-revoked-token")).isNull();
  }

  @Test
  void freshTokensVerifyAgainstTheListPublishedBeforeTheyWereIssued() {
    // The first round is asynchronous: the list "before" is the first one published.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> operator.trustConfigMap(targets.get(1)) != null);
    ConfigMap before = operator.trustConfigMap(targets.get(1));
    operator.create(ApiTokens.named("fresh").in(ns).build());
    operator.awaitReady(ns, "fresh");
    String token = operator.tokenValue(ns, "fresh-token");
    String statusListBefore = before.getData().get(TrustDocument.STATUS_LIST_KEY);
    String jwks = operator.trustConfigMap(targets.get(1)).getData().get(TrustDocument.JWKS_KEY);
    var staleWorkload =
        dev.apitoken.verifier.TokenVerifier.builder()
            .trust(jwks, statusListBefore)
            .expectedIssuer(operator.config().issuer())
            .clock(operator.clock())
            .watch(false)
            .build();
    assertThat(staleWorkload.verify(token).isAccepted()).isTrue();
    assertThat(Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.US_ASCII)))
        .isNotEmpty();
  }
}
