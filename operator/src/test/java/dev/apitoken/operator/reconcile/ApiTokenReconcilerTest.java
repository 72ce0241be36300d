package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class ApiTokenReconcilerTest {
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final List<String> TOKENS_SEEN = new java.util.concurrent.CopyOnWriteArrayList<>();
  static KubernetesClient client;

  private RunningOperator operator;
  private String ns;

  @BeforeEach
  void start() {
    ns = "test-" + NAMESPACES.incrementAndGet();
    operator =
        new RunningOperator(
                client,
                new MutableClock(RunningOperator.START),
                "--max-ttl=2160h",
                // Each test starts with a key ring of its own, created at START.
                "--key-ring-secret=keys-" + ns)
            .start();
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
  static void noTokenValueInAnyLogLineEventOrStatus() {
    CapturedLogs.assertNoTokenIn(TOKENS_SEEN);
    String everythingButSecrets =
        Serialization.asJson(client.v1().events().inAnyNamespace().list())
            + Serialization.asJson(client.resources(ApiToken.class).inAnyNamespace().list())
            + Serialization.asJson(client.configMaps().inAnyNamespace().list());
    for (String token : TOKENS_SEEN) {
      assertThat(everythingButSecrets).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }
    assertThat(client.v1().events().inAnyNamespace().list().getItems()).isNotEmpty();
  }

  @Test
  void createdApiTokenGetsAVerifiableTokenInItsSecretAndReady() throws Exception {
    operator.create(
        ApiTokens.named("orders")
            .in(ns)
            .subject("reporting-job")
            .audiences("orders-api")
            .scopes("orders:read", "orders:export")
            .ttl("24h")
            .build());

    ApiToken ready = operator.awaitReady(ns, "orders");
    assertCondition(ready, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    assertThat(ready.getStatus().getSecretName()).isEqualTo("orders-token");
    assertThat(ready.getStatus().getTokens()).hasSize(1);

    Secret secret = operator.secret(ns, "orders-token");
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(ready.getMetadata().getUid()));
    assertThat(secret.getMetadata().getLabels())
        .containsEntry(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    assertThat(secret.getData()).containsOnlyKeys("token");

    SignedJWT jwt = SignedJWT.parse(operator.tokenValue(ns, "orders-token"));
    assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("EdDSA");
    assertThat(jwt.verify(verifierFromPublishedJwks(jwt.getHeader().getKeyID()))).isTrue();
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("https://apitoken-operator.local");
    assertThat(claims.getSubject()).isEqualTo("reporting-job");
    assertThat(claims.getAudience()).containsExactly("orders-api");
    assertThat(claims.getStringClaim("scope")).isEqualTo("orders:read orders:export");
    assertThat(claims.getJWTID()).isEqualTo(ready.getStatus().getJti());
    assertThat(claims.getIssueTime().toInstant()).isEqualTo(RunningOperator.START);
    assertThat(claims.getNotBeforeTime().toInstant()).isEqualTo(RunningOperator.START);
    assertThat(claims.getExpirationTime().toInstant())
        .isEqualTo(RunningOperator.START.plus(Duration.ofHours(24)));
    @SuppressWarnings("unchecked")
    Map<String, Object> statusList =
        (Map<String, Object>) claims.getJSONObjectClaim("status").get("status_list");
    assertThat(((Number) statusList.get("idx")).longValue())
        .isEqualTo(ready.getStatus().getStatusListIndex());
    assertThat(statusList.get("uri")).isEqualTo("https://apitoken-operator.local/statuslist");
    assertThat(ready.getStatus().getExpiresAt()).isEqualTo("2026-01-02T00:00:00Z");
    assertThat(ready.getStatus().getRenewalTime()).isEqualTo("2026-01-01T16:00:00Z");
  }

  @Test
  void changingClaimsReissuesAndKeepsThePreviousTokenOutstanding() {
    operator.create(ApiTokens.named("api").in(ns).scopes("read").build());
    ApiToken first = operator.awaitReady(ns, "api");

    first.getSpec().setScopes(List.of("read", "write"));
    client.resource(first).update();

    ApiToken second = operator.awaitNewToken(ns, "api", first.getStatus().getJti());
    assertThat(second.getStatus().getTokens())
        .extracting(IssuedToken::getJti)
        .containsExactlyInAnyOrder(first.getStatus().getJti(), second.getStatus().getJti());
    assertThat(second.getStatus().getStatusListIndex())
        .isNotEqualTo(first.getStatus().getStatusListIndex());
    assertCondition(second, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                events(ns, "api").stream()
                    .anyMatch(
                        e -> e.getReason().equals("Reissued") && e.getMessage().contains("scope")));
  }

  @Test
  void reapplyingTheSameSpecChangesNothing() {
    operator.create(ApiTokens.named("same").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "same");
    String secretVersion = operator.secret(ns, "same-token").getMetadata().getResourceVersion();

    ApiToken reapplied = ApiTokens.named("same").in(ns).build();
    reapplied.getMetadata().setResourceVersion(ready.getMetadata().getResourceVersion());
    client.resource(reapplied).update();

    // Several resync periods pass: no new token, no status write, no Secret write.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                operator.get(ns, "same").getStatus().equals(ready.getStatus())
                    && operator
                        .secret(ns, "same-token")
                        .getMetadata()
                        .getResourceVersion()
                        .equals(secretVersion));
  }

  @Test
  void deletedSecretIsReissuedWithANewTokenAndTheOldOneStaysListed() {
    operator.create(ApiTokens.named("gone").in(ns).build());
    ApiToken first = operator.awaitReady(ns, "gone");
    operator.tokenValue(ns, "gone-token");

    client.secrets().inNamespace(ns).withName("gone-token").delete();

    ApiToken second = operator.awaitNewToken(ns, "gone", first.getStatus().getJti());
    assertThat(second.getStatus().getTokens())
        .extracting(IssuedToken::getJti)
        .contains(first.getStatus().getJti());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> events(ns, "gone").stream().anyMatch(e -> e.getReason().equals("Reissued")));
    // A first issue is told by the Ready condition alone (an Event would be a fifth request per
    // token); the reissue is a change a user should see in kubectl describe.
    assertThat(events(ns, "gone"))
        .extracting(io.fabric8.kubernetes.api.model.Event::getReason)
        .containsExactly("Reissued");
  }

  @Test
  void tamperedSecretIsReissued() {
    operator.create(ApiTokens.named("tamper").in(ns).build());
    ApiToken first = operator.awaitReady(ns, "tamper");
    String original = operator.tokenValue(ns, "tamper-token");

    Secret secret = operator.secret(ns, "tamper-token");
    String forged = original.substring(0, original.length() - 4) + "AAAA";
    secret
        .getData()
        .put(
            "token",
            Base64.getEncoder().encodeToString(forged.getBytes(StandardCharsets.US_ASCII)));
    client.resource(secret).update();

    ApiToken second = operator.awaitNewToken(ns, "tamper", first.getStatus().getJti());
    assertThat(operator.tokenValue(ns, "tamper-token")).isNotEqualTo(forged).isNotEqualTo(original);
    assertThat(second.getStatus().getTokens())
        .extracting(IssuedToken::getJti)
        .contains(first.getStatus().getJti());
  }

  @Test
  void tokenIsRenewedWhenRenewBeforeIsReached() {
    operator.create(ApiTokens.named("renew").in(ns).ttl("10h").renewBefore("2h").build());
    ApiToken first = operator.awaitReady(ns, "renew");
    assertThat(first.getStatus().getRenewalTime()).isEqualTo("2026-01-01T08:00:00Z");

    operator.clock().advance(Duration.ofHours(7));
    await()
        .during(Duration.ofSeconds(1))
        .until(
            () ->
                operator.get(ns, "renew").getStatus().getJti().equals(first.getStatus().getJti()));

    operator.clock().advance(Duration.ofHours(1));
    ApiToken renewed = operator.awaitNewToken(ns, "renew", first.getStatus().getJti());
    assertThat(renewed.getStatus().getExpiresAt()).isEqualTo("2026-01-01T18:00:00Z");
    assertThat(renewed.getStatus().getTokens())
        .extracting(IssuedToken::getJti)
        .contains(first.getStatus().getJti());
  }

  @Test
  void keyRotationKeepsOldTokensVerifiable() throws Exception {
    operator.create(ApiTokens.named("before").in(ns).ttl("1000h").build());
    operator.awaitReady(ns, "before");
    SignedJWT old = SignedJWT.parse(operator.tokenValue(ns, "before-token"));

    operator.clock().advance(operator.config().keyRotationPeriod().plusMinutes(1));
    operator.maintainKeys();
    operator.create(ApiTokens.named("after").in(ns).ttl("1000h").build());
    operator.awaitReady(ns, "after");
    SignedJWT fresh = SignedJWT.parse(operator.tokenValue(ns, "after-token"));

    assertThat(fresh.getHeader().getKeyID()).isNotEqualTo(old.getHeader().getKeyID());
    assertThat(old.verify(verifierFromPublishedJwks(old.getHeader().getKeyID()))).isTrue();
    assertThat(fresh.verify(verifierFromPublishedJwks(fresh.getHeader().getKeyID()))).isTrue();
  }

  @Test
  void theNextSigningKeyIsPublishedBeforeItSigns() throws Exception {
    Duration period = operator.config().keyRotationPeriod();
    operator.clock().advance(period.minus(Duration.ofMinutes(30)));
    operator.maintainKeys();
    // What a workload mounted once the (asynchronous) publish ran: the JWKS holds the next key.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                JWKSet.parse(operator.trustConfigMap().getData().get(TrustDocument.JWKS_KEY))
                        .getKeys()
                        .size()
                    == 2);
    String staleJwks = operator.trustConfigMap().getData().get(TrustDocument.JWKS_KEY);
    operator.create(ApiTokens.named("still-old-key").in(ns).build());
    operator.awaitReady(ns, "still-old-key");
    String oldKid =
        SignedJWT.parse(operator.tokenValue(ns, "still-old-key-token")).getHeader().getKeyID();

    operator.clock().advance(Duration.ofMinutes(31));
    operator.create(ApiTokens.named("new-key").in(ns).build());
    operator.awaitReady(ns, "new-key");
    SignedJWT fresh = SignedJWT.parse(operator.tokenValue(ns, "new-key-token"));

    assertThat(fresh.getHeader().getKeyID()).isNotEqualTo(oldKid);
    OctetKeyPair known =
        (OctetKeyPair) JWKSet.parse(staleJwks).getKeyByKeyId(fresh.getHeader().getKeyID());
    assertThat(known)
        .as("the new signing key was in the JWKS published 31 minutes earlier")
        .isNotNull();
    assertThat(fresh.verify(new Ed25519Verifier(known))).isTrue();
  }

  @Test
  void invalidSpecIsReportedWithoutCrashOrHotLoop() {
    operator.create(ApiTokens.named("toolong").in(ns).ttl("9000h").build());
    ApiToken refused = operator.awaitCondition(ns, "toolong", Conditions.READY, Conditions.FALSE);
    assertCondition(refused, Conditions.READY, Conditions.FALSE, Conditions.REASON_INVALID_SPEC);
    assertThat(refused.getStatus().getConditions().get(0).getMessage())
        .contains("spec.ttl 9000h exceeds the operator's maximum of 2160h");
    assertThat(operator.secret(ns, "toolong-token")).isNull();
    String version = refused.getMetadata().getResourceVersion();
    await()
        .during(Duration.ofSeconds(2))
        .until(
            () -> operator.get(ns, "toolong").getMetadata().getResourceVersion().equals(version));

    refused.getSpec().setTtl("24h");
    client.resource(refused).update();
    operator.awaitReady(ns, "toolong");
  }

  @Test
  void malformedSpecsBypassingAdmissionAreRefusedWithAMessage() {
    operator.create(ApiTokens.named("noduration").in(ns).ttl("30 days").build());
    operator.create(ApiTokens.named("blank").in(ns).subject(" ").build());
    assertThat(
            operator
                .awaitCondition(ns, "noduration", Conditions.READY, Conditions.FALSE)
                .getStatus()
                .getConditions()
                .get(0)
                .getMessage())
        .contains("spec.ttl \"30 days\" is not a duration");
    assertThat(
            operator
                .awaitCondition(ns, "blank", Conditions.READY, Conditions.FALSE)
                .getStatus()
                .getConditions()
                .get(0)
                .getMessage())
        .contains("spec.subject");
  }

  @Test
  void secretTemplateChangesPatchTheSecretWithoutReissuing() {
    operator.create(
        ApiTokens.named("labels")
            .in(ns)
            .secretLabels(
                Map.of("team", "a", "tier", "gold", "app.kubernetes.io/instance", "argo-app"))
            .build());
    ApiToken created = operator.get(ns, "labels");
    created.getSpec().getSecretTemplate().setAnnotations(Map.of("reloader/match", "true"));
    client.resource(created).update();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                operator.secret(ns, "labels-token") != null
                    && "true"
                        .equals(
                            operator
                                .secret(ns, "labels-token")
                                .getMetadata()
                                .getAnnotations()
                                .get("reloader/match")));
    ApiToken ready = operator.awaitReady(ns, "labels");
    Secret secret = operator.secret(ns, "labels-token");
    assertThat(secret.getMetadata().getLabels())
        .containsEntry("team", "a")
        .containsEntry("tier", "gold")
        .doesNotContainKey("app.kubernetes.io/instance");
    // Someone else's label on the Secret is theirs: a template change must keep it.
    client
        .secrets()
        .inNamespace(ns)
        .withName("labels-token")
        .edit(
            s ->
                new SecretBuilder(s)
                    .editMetadata()
                    .addToLabels("backup", "yes")
                    .endMetadata()
                    .build());

    // A key dropped from the template leaves the Secret (JOSDK alone merges, keeping it forever).
    ready.getSpec().getSecretTemplate().setLabels(Map.of("team", "b"));
    ready.getSpec().getSecretTemplate().setAnnotations(Map.of());
    client.resource(ready).update();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                "b"
                    .equals(
                        operator.secret(ns, "labels-token").getMetadata().getLabels().get("team")));
    Secret changed = operator.secret(ns, "labels-token");
    assertThat(changed.getMetadata().getLabels())
        .containsEntry("team", "b")
        .containsEntry("backup", "yes")
        .doesNotContainKey("tier");
    assertThat(changed.getMetadata().getAnnotations())
        .doesNotContainKey("reloader/match")
        .containsEntry(Labels.ANNOTATION_TEMPLATE_LABELS, "team")
        .doesNotContainKey(Labels.ANNOTATION_TEMPLATE_ANNOTATIONS);
    assertThat(operator.get(ns, "labels").getStatus().getJti())
        .isEqualTo(ready.getStatus().getJti());
    assertThat(operator.tokenValue(ns, "labels-token"))
        .isEqualTo(TokenSecretDependent.tokenValue(secret).orElseThrow());
  }

  @Test
  void foreignSecretWithTheSameNameIsNeverOverwritten() {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("taken")
                .withNamespace(ns)
                .endMetadata()
                .addToData(
                    "password",
                    Base64.getEncoder().encodeToString("hunter2".getBytes(StandardCharsets.UTF_8)))
                .build())
        .create();
    operator.create(ApiTokens.named("clash").in(ns).secretName("taken").build());

    ApiToken refused = operator.awaitCondition(ns, "clash", Conditions.READY, Conditions.FALSE);
    assertCondition(refused, Conditions.READY, Conditions.FALSE, Conditions.REASON_SECRET_CONFLICT);
    assertThat(operator.secret(ns, "taken").getData()).containsOnlyKeys("password");
  }

  @Test
  void restartReissuesNothingAndNeverReusesAnIndex() {
    operator.create(ApiTokens.named("one").in(ns).build());
    operator.create(ApiTokens.named("two").in(ns).build());
    ApiToken one = operator.awaitReady(ns, "one");
    ApiToken two = operator.awaitReady(ns, "two");

    operator.restart();
    operator.create(ApiTokens.named("three").in(ns).build());
    ApiToken three = operator.awaitReady(ns, "three");

    await()
        .during(Duration.ofSeconds(2))
        .until(
            () ->
                operator.get(ns, "one").getStatus().getJti().equals(one.getStatus().getJti())
                    && operator
                        .get(ns, "two")
                        .getStatus()
                        .getJti()
                        .equals(two.getStatus().getJti()));
    assertThat(
            Set.of(
                one.getStatus().getStatusListIndex(),
                two.getStatus().getStatusListIndex(),
                three.getStatus().getStatusListIndex()))
        .hasSize(3);
    assertThat(three.getStatus().getStatusListIndex())
        .isGreaterThan(
            Math.max(one.getStatus().getStatusListIndex(), two.getStatus().getStatusListIndex()));
  }

  @Test
  void aLostStatusIsRebuiltFromTheSecretWithoutReissuing() {
    operator.create(ApiTokens.named("restored").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "restored");
    String token = operator.tokenValue(ns, "restored-token");

    // As after a restore from a backup that has no status.
    ApiToken withoutStatus = operator.get(ns, "restored");
    withoutStatus.setStatus(new dev.apitoken.operator.api.ApiTokenStatus());
    client.resource(withoutStatus).updateStatus();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ready
                    .getStatus()
                    .getJti()
                    .equals(operator.get(ns, "restored").getStatus().getJti()));
    ApiToken rebuilt = operator.awaitReady(ns, "restored");
    assertThat(rebuilt.getStatus().getTokenHash()).isEqualTo(ready.getStatus().getTokenHash());
    assertThat(rebuilt.getStatus().getTokens())
        .extracting(IssuedToken::getJti)
        .containsExactly(ready.getStatus().getJti());
    assertThat(operator.tokenValue(ns, "restored-token")).isEqualTo(token);
  }

  /** The index reservation the trust copy's signed list announces ({@code idx_reserved}). */
  private long signedReservation() {
    ConfigMap copy = operator.trustConfigMap();
    String jwt = copy == null ? null : copy.getData().get("status-list.jwt");
    return jwt == null
        ? -1
        : dev.apitoken.format.status.StatusListToken.readUnverified(jwt).signed().reservedIndices();
  }

  @Test
  void aDeletedIndexCounterNeverLeadsToAReusedIndex() {
    operator.create(ApiTokens.named("before-loss").in(ns).build());
    long before = operator.awaitReady(ns, "before-loss").getStatus().getStatusListIndex();
    await().until(() -> signedReservation() > before);
    long reserved = signedReservation();

    operator.close();
    client
        .configMaps()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(operator.config().stateConfigMapName())
        .delete();
    operator.start();
    operator.create(ApiTokens.named("after-loss").in(ns).build());
    long after = operator.awaitReady(ns, "after-loss").getStatus().getStatusListIndex();

    // Resumes beyond everything the published copies say was reserved, where no token can be.
    assertThat(after).isGreaterThan(before).isGreaterThanOrEqualTo(reserved);
  }

  private Ed25519Verifier verifierFromPublishedJwks(String kid) throws Exception {
    String jwks = operator.trustConfigMap().getData().get(TrustDocument.JWKS_KEY);
    OctetKeyPair key = (OctetKeyPair) JWKSet.parse(jwks).getKeyByKeyId(kid);
    assertThat(key).as("kid %s published in %s", kid, TrustDocument.JWKS_KEY).isNotNull();
    assertThat(key.isPrivate()).isFalse();
    return new Ed25519Verifier(key);
  }

  private List<io.fabric8.kubernetes.api.model.Event> events(String namespace, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }
}
