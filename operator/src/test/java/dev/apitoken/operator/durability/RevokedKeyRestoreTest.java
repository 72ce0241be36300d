package dev.apitoken.operator.durability;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWKSet;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.KeyRingSecretStore;
import dev.apitoken.operator.store.StateEntries;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A revoked signing key stays revoked when a backup of the key-ring Secret taken before the
 * revocation is restored, while the operator is stopped or while it runs, and also when the
 * operator state is lost too: the revoked kid is recorded in the Secret, the operator state and
 * every trust copy, and their union is taken at start and at every maintenance pass. From the
 * revocation on, no version of any copy ever publishes the key again, no token Secret is ever
 * signed by it again, and every token it signed fails as an unknown key in every copy. A revoked
 * kid is forgotten everywhere once no token it signed can pass anywhere.
 */
@EnableKubernetesMockClient(crud = true)
class RevokedKeyRestoreTest {
  private static final String NS = "shop";
  private static final String CONSUMERS = "consumers";
  private static final List<String> NAMES = List.of("orders", "billing");
  private static final List<String> TARGETS =
      List.of(NS, CONSUMERS, RunningOperator.OPERATOR_NAMESPACE);

  /** One mock API server per test: the key ring and its records must not leak between tests. */
  KubernetesClient client;

  private RunningOperator operator;
  private final List<String> tokensSeen = new ArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final List<Watch> watches = new ArrayList<>();

  @AfterEach
  void stop() {
    watches.forEach(Watch::close);
    if (operator != null) {
      try (RunningOperator stopping = operator) {
        stopping.deleteAllApiTokens();
      }
    }
    if (!tokensSeen.isEmpty()) {
      CapturedLogs.assertNoTokenIn(tokensSeen);
    }
  }

  @Test
  void aPreRevocationBackupOfTheKeyRingRestoredWhileStoppedDoesNotBringTheKeyBack() {
    Revoked revoked = issueSignedByTheActiveKeyAndRevokeIt();
    Secret backup = revoked.backup();

    operator.close();
    restoreWhileStopped(backup);
    operator.start();

    assertStaysRevoked(revoked);
  }

  @Test
  void aPreRevocationBackupRestoredByAnUpdateWhileRunningIsUndoneAtOnce() {
    // A retired key: the backup holds every key the operator still needs, so it looks newer.
    startOperator("--key-rotation-period=24h");
    NAMES.forEach(n -> operator.create(ApiTokens.named(n).in(NS).build()));
    String retired = awaitTokensSignedByOneKey();
    operator.clock().advance(Duration.ofHours(25));
    operator.maintainKeys();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !ringKids().isEmpty() && !activeKid().equals(retired));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TARGETS.stream().allMatch(t -> publishedKids(t).contains(activeKid())));
    Revoked revoked = revoke(retired);
    assertThat(ringKidsOf(revoked.backup())).contains(retired).hasSize(2);

    Secret current = keyRingSecret().get();
    current.setData(revoked.backup().getData());
    current.getMetadata().setAnnotations(revoked.backup().getMetadata().getAnnotations());
    client.resource(current).update();

    assertStaysRevoked(revoked);
  }

  @Test
  void onlyTheCopiesRememberTheRevocationWhenTheStateIsLostAndTheSecretRestoredWhileStopped() {
    Revoked revoked = issueSignedByTheActiveKeyAndRevokeIt();

    operator.close();
    restoreWhileStopped(revoked.backup());
    client
        .configMaps()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(operator.config().stateConfigMapName())
        .delete();
    await().until(() -> stateMap() == null);
    operator.start();

    assertStaysRevoked(revoked);
    // The records are made whole again.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> stateMap() != null && stateRecord().contains(revoked.kid() + "="));
  }

  @Test
  void aRevokedKidIsForgottenEverywhereOnceNoTokenItSignedCanPassAnywhere() {
    startOperator("--max-ttl=24h", "--default-ttl=12h");
    String kid = activeKid();
    Instant revokedAt = operator.clock().instant();
    Revoked revoked = revoke(kid);
    String other = activeKid();
    Duration retention = Duration.ofHours(24).plus(IndexSpace.RETENTION_AFTER_EXPIRY);

    // Still within the retention: kept in every record.
    operator.clock().set(revokedAt.plus(retention).minusSeconds(60));
    operator.operator().maintain();
    assertRecordedEverywhere(kid);

    // Past it: a token the key signed has expired beyond any verifier's leeway.
    operator.clock().set(revokedAt.plus(retention).plusSeconds(60));
    operator.operator().maintain();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(secretRecord()).as("key-ring Secret").doesNotContain(kid);
              assertThat(stateRecord()).as("state ConfigMap").doesNotContain(kid);
              for (String target : TARGETS) {
                assertThat(copyRecord(target)).as("copy in %s", target).doesNotContain(kid);
              }
            });
    // Forgotten for good: a restart reads no record that still holds it.
    operator.restart();
    operator.operator().maintain();
    assertThat(secretRecord()).doesNotContain(kid);
    assertThat(stateRecord()).doesNotContain(kid);
    assertThat(ringKids()).contains(other).doesNotContain(revoked.kid());
  }

  // --- scenario steps -----------------------------------------------------------------------

  /** What a revocation left behind: the kid, the tokens it signed, the Secret before it. */
  private record Revoked(String kid, List<String> tokensItSigned, Secret backup) {}

  private void startOperator(String... settings) {
    operator = new RunningOperator(client, new MutableClock(RunningOperator.START), settings);
    operator.createNamespace(NS, Map.of());
    operator.createNamespace(CONSUMERS, Map.of());
    operator.start();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TARGETS.stream().allMatch(t -> !publishedKids(t).isEmpty()));
  }

  /** ApiTokens issued with the active key, which is then revoked (as in KeyCompromiseTest). */
  private Revoked issueSignedByTheActiveKeyAndRevokeIt() {
    startOperator();
    NAMES.forEach(n -> operator.create(ApiTokens.named(n).in(NS).build()));
    return revoke(awaitTokensSignedByOneKey());
  }

  /** The kid that signed every ApiToken's current token. */
  private String awaitTokensSignedByOneKey() {
    Set<String> kids = new java.util.TreeSet<>();
    for (String name : NAMES) {
      kids.add(operator.awaitReady(NS, name).getStatus().getKeyId());
    }
    assertThat(kids).hasSize(1);
    return kids.iterator().next();
  }

  /**
   * Takes the backup, revokes {@code kid} with the request annotation, and waits until the
   * revocation is complete: recorded everywhere, gone from every copy's JWKS, every token it signed
   * reissued. From then on, every copy version and every token Secret is watched.
   */
  private Revoked revoke(String kid) {
    Secret backup = keyRingSecret().get();
    List<String> signed = new ArrayList<>();
    for (ApiToken t : client.resources(ApiToken.class).inNamespace(NS).list().getItems()) {
      if (kid.equals(t.getStatus().getKeyId())) {
        signed.add(operator.tokenValue(NS, t.getStatus().getSecretName()));
      }
    }
    tokensSeen.addAll(signed);
    keyRingSecret()
        .edit(
            s -> {
              s.getMetadata().getAnnotations().put(KeyRingSecretStore.REVOKE_KIDS_ANNOTATION, kid);
              return s;
            });
    assertRecordedEverywhere(kid);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TARGETS.stream().noneMatch(t -> publishedKids(t).contains(kid)));
    awaitEveryApiTokenReadyWithout(kid);
    watchForTheKey(kid);
    return new Revoked(kid, signed, backup);
  }

  private void restoreWhileStopped(Secret backup) {
    keyRingSecret().delete();
    await().until(() -> keyRingSecret().get() == null);
    client
        .resource(
            new SecretBuilder(backup)
                .withMetadata(
                    new ObjectMetaBuilder()
                        .withName(backup.getMetadata().getName())
                        .withNamespace(backup.getMetadata().getNamespace())
                        .withLabels(backup.getMetadata().getLabels())
                        .withAnnotations(backup.getMetadata().getAnnotations())
                        .build())
                .build())
        .create();
  }

  // --- what a user sees ---------------------------------------------------------------------

  private void assertStaysRevoked(Revoked revoked) {
    String kid = revoked.kid();
    // The restored key is removed from the Secret again, with a Warning Event and an audit line.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client
                    .v1()
                    .events()
                    .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
                    .list()
                    .getItems()
                    .stream()
                    .anyMatch(
                        e ->
                            KeyRingSecretStore.REASON_REVOKED_KEY_RESTORED.equals(e.getReason())
                                && "Warning".equals(e.getType())
                                && e.getMessage().contains(kid)
                                && operator
                                    .config()
                                    .keyRingSecretName()
                                    .equals(e.getInvolvedObject().getName())));
    await().atMost(Duration.ofSeconds(10)).until(() -> !ringKids().contains(kid));
    assertThat(CapturedLogs.lines())
        .anyMatch(l -> l.contains("audit action=revoked_key_removed") && l.contains("kid=" + kid))
        .anyMatch(l -> l.contains("event=revoked_key_restored") && l.contains(kid));

    // Affected ApiTokens end with a token signed by another key, accepted in every copy.
    awaitEveryApiTokenReadyWithout(kid);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              for (String name : NAMES) {
                String token = operator.tokenValue(NS, name + "-token");
                for (String target : TARGETS) {
                  assertThat(operator.verifierFor(target).verify(token).isAccepted())
                      .as("%s's token in %s", name, target)
                      .isTrue();
                }
              }
            });
    tokensSeen.addAll(operator.tokenValuesSeen());

    // Every token the revoked key signed fails as an unknown key in every copy.
    for (String target : TARGETS) {
      assertThat(publishedKids(target)).as(target).isNotEmpty().doesNotContain(kid);
      for (String old : revoked.tokensItSigned()) {
        assertThat(operator.verifierFor(target).verify(old).rejection())
            .as(target)
            .contains(Rejection.UNKNOWN_KEY);
      }
    }
    assertRecordedEverywhere(kid);

    // Never published or used to sign again, not for a moment.
    assertThat(violations).isEmpty();
  }

  private void awaitEveryApiTokenReadyWithout(String kid) {
    for (ApiToken existing : client.resources(ApiToken.class).inNamespace(NS).list().getItems()) {
      String name = existing.getMetadata().getName();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                ApiToken t = operator.get(NS, name);
                Secret s = operator.secret(NS, name + "-token");
                return t.getStatus() != null
                    && !kid.equals(t.getStatus().getKeyId())
                    && ringKids().contains(t.getStatus().getKeyId())
                    && s != null
                    && t.getStatus()
                        .getKeyId()
                        .equals(s.getMetadata().getAnnotations().get(Labels.ANNOTATION_KEY_ID))
                    && dev.apitoken.operator.testing.ConditionAssert.hasCondition(
                        t, Conditions.READY, Conditions.TRUE);
              });
      assertCondition(
          operator.get(NS, name), Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    }
  }

  /** The key-ring Secret, the state ConfigMap and every copy of shard 0 record the kid. */
  private void assertRecordedEverywhere(String kid) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(secretRecord()).as("key-ring Secret").contains(kid + "=");
              assertThat(stateRecord()).as("state ConfigMap").contains(kid + "=");
              for (String target : TARGETS) {
                assertThat(copyRecord(target)).as("copy in %s", target).contains(kid + "=");
              }
            });
  }

  /**
   * From now on: no version of any copy may publish {@code kid}, no token Secret may carry a token
   * it signed.
   */
  private void watchForTheKey(String kid) {
    watches.add(
        client
            .configMaps()
            .inAnyNamespace()
            .withLabels(Labels.managed("trust"))
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap map) {
                    if (action != Action.DELETED && kidsIn(map).contains(kid)) {
                      violations.add(
                          "copy "
                              + map.getMetadata().getNamespace()
                              + "/"
                              + map.getMetadata().getName()
                              + " version "
                              + map.getMetadata().getResourceVersion()
                              + " publishes "
                              + kid);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));
    watches.add(
        client
            .secrets()
            .inNamespace(NS)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    Map<String, String> annotations = secret.getMetadata().getAnnotations();
                    if (action != Action.DELETED
                        && annotations != null
                        && kid.equals(annotations.get(Labels.ANNOTATION_KEY_ID))) {
                      violations.add(
                          "token Secret "
                              + secret.getMetadata().getName()
                              + " version "
                              + secret.getMetadata().getResourceVersion()
                              + " signed by "
                              + kid);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));
  }

  // --- reading the cluster ------------------------------------------------------------------

  private io.fabric8.kubernetes.client.dsl.Resource<Secret> keyRingSecret() {
    return client
        .secrets()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(operator.config().keyRingSecretName());
  }

  /** The active kid, as {@code kubectl apitoken keys} shows it. */
  private String activeKid() {
    return listing(keyRingSecret().get()).entrySet().stream()
        .filter(e -> e.getValue().equals("active"))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  private Set<String> ringKids() {
    Secret secret = keyRingSecret().get();
    return secret == null ? Set.of() : ringKidsOf(secret);
  }

  private static Set<String> ringKidsOf(Secret secret) {
    return listing(secret).keySet();
  }

  /** Kid to state ("active", "next", "retired") from the Secret's public listing annotation. */
  private static Map<String, String> listing(Secret secret) {
    String text = secret.getMetadata().getAnnotations().get(KeyRingSecretStore.KEYS_ANNOTATION);
    try {
      Map<String, String> kids = new java.util.TreeMap<>();
      for (var key : io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().readTree(text)) {
        kids.put(key.path("kid").asText(), key.path("state").asText());
      }
      return kids;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private String secretRecord() {
    Map<String, String> annotations = keyRingSecret().get().getMetadata().getAnnotations();
    return annotations == null
        ? ""
        : annotations.getOrDefault(KeyRingSecretStore.REVOKED_KIDS_ANNOTATION, "");
  }

  private ConfigMap stateMap() {
    return client
        .configMaps()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(operator.config().stateConfigMapName())
        .get();
  }

  private String stateRecord() {
    ConfigMap state = stateMap();
    return state == null || state.getData() == null
        ? ""
        : state.getData().getOrDefault(StateEntries.REVOKED_KIDS, "");
  }

  /** The revoked kids the copy's signed list records (claim {@code revoked_kids}), as kid=... */
  private String copyRecord(String namespace) {
    ConfigMap copy = operator.trustConfigMap(namespace);
    String jwt =
        copy == null || copy.getData() == null ? null : copy.getData().get("status-list.jwt");
    if (jwt == null) {
      return "";
    }
    StringBuilder kids = new StringBuilder();
    dev.apitoken.format.status.StatusListToken.readUnverified(jwt)
        .signed()
        .revokedKids()
        .forEach((kid, at) -> kids.append(kid).append('=').append(at).append(' '));
    return kids.toString();
  }

  private Set<String> publishedKids(String namespace) {
    return kidsIn(operator.trustConfigMap(namespace));
  }

  private static Set<String> kidsIn(ConfigMap map) {
    String jwks =
        map == null || map.getData() == null ? null : map.getData().get(TrustDocument.JWKS_KEY);
    if (jwks == null) {
      return Set.of();
    }
    try {
      return JWKSet.parse(jwks).getKeys().stream()
          .map(k -> k.getKeyID())
          .collect(Collectors.toSet());
    } catch (java.text.ParseException unreadable) {
      return Set.of();
    }
  }
}
