package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWKSet;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.KeyRingSecretStore;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TokenVerifier;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Key compromise end to end: an admin annotates the key-ring Secret with the leaked kid; the key
 * leaves every published JWKS (every token it signed fails as UNKNOWN_KEY), a new key is published
 * before it signs anything, every affected ApiToken gets a new token, and the record stays on the
 * Secret. Also what a workload with a stale mount sees.
 */
@EnableKubernetesMockClient(crud = true)
class KeyCompromiseTest {
  private static final String NS = "shop";
  private static final String CONSUMERS = "consumers";
  static KubernetesClient client;

  private RunningOperator operator;
  private final List<String> tokensSeen = new ArrayList<>();

  @AfterEach
  void stop() {
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
    CapturedLogs.assertNoTokenIn(tokensSeen);
  }

  @Test
  void revokingAKidUnpublishesItPublishesANewKeyFirstAndReissuesEveryAffectedToken() {
    operator = new RunningOperator(client, new MutableClock(RunningOperator.START));
    operator.createNamespace(NS, Map.of());
    operator.createNamespace(CONSUMERS, Map.of());
    operator.start();
    List<String> names = List.of("orders", "billing", "search");
    names.forEach(n -> operator.create(ApiTokens.named(n).in(NS).build()));
    List<String> oldTokens = new ArrayList<>();
    String leakedKid = null;
    for (String name : names) {
      ApiToken ready = operator.awaitReady(NS, name);
      leakedKid = ready.getStatus().getKeyId();
      oldTokens.add(operator.tokenValue(NS, name + "-token"));
    }
    tokensSeen.addAll(oldTokens);
    List<String> targets = List.of(NS, CONSUMERS, RunningOperator.OPERATOR_NAMESPACE);
    // A workload whose kubelet has not refreshed its mount yet keeps reading this copy.
    TokenVerifier staleMount = operator.verifierFor(CONSUMERS);

    // Every token a new key signs must reach its Secret only once every copy publishes that key.
    String leaked = leakedKid;
    List<String> signedBeforePublished = new CopyOnWriteArrayList<>();
    Watch watch =
        client
            .secrets()
            .inNamespace(NS)
            .watch(
                new Watcher<Secret>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    String kid =
                        secret.getMetadata().getAnnotations() == null
                            ? null
                            : secret.getMetadata().getAnnotations().get(Labels.ANNOTATION_KEY_ID);
                    if (kid != null
                        && !kid.equals(leaked)
                        && targets.stream().anyMatch(t -> !publishedKids(t).contains(kid))) {
                      signedBeforePublished.add(secret.getMetadata().getName() + " " + kid);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });

    String kid = leakedKid;
    keyRingSecret()
        .edit(
            s -> {
              s.getMetadata()
                  .setAnnotations(Map.of(KeyRingSecretStore.REVOKE_KIDS_ANNOTATION, kid));
              return s;
            });

    // Recorded on the Secret, request cleared, listing without the key.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              Map<String, String> annotations =
                  keyRingSecret().get().getMetadata().getAnnotations();
              return annotations != null
                  && !annotations.containsKey(KeyRingSecretStore.REVOKE_KIDS_ANNOTATION)
                  && annotations
                      .getOrDefault(KeyRingSecretStore.REVOKED_KIDS_ANNOTATION, "")
                      .startsWith(kid + "=");
            });
    assertThat(keyRingSecret().get().getMetadata().getAnnotations())
        .extractingByKey(KeyRingSecretStore.KEYS_ANNOTATION)
        .asString()
        .doesNotContain(kid)
        .contains("\"state\":\"active\"")
        .doesNotContain("\"d\"");

    // Hard revocation: gone from every copy, so every token it signed fails as an unknown key.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> targets.stream().noneMatch(t -> publishedKids(t).contains(kid)));
    for (String target : targets) {
      for (String old : oldTokens) {
        assertThat(operator.verifierFor(target).verify(old).rejection())
            .as(target)
            .contains(Rejection.UNKNOWN_KEY);
      }
    }

    // Every affected ApiToken has a new token, signed by the new key, accepted everywhere.
    List<String> newTokens = new ArrayList<>();
    for (String name : names) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                ApiToken t = operator.get(NS, name);
                return t.getStatus() != null
                    && !kid.equals(t.getStatus().getKeyId())
                    && operator.secret(NS, name + "-token") != null
                    && !kid.equals(
                        operator
                            .secret(NS, name + "-token")
                            .getMetadata()
                            .getAnnotations()
                            .get(Labels.ANNOTATION_KEY_ID));
              });
      ApiToken reissued = operator.awaitReady(NS, name);
      assertCondition(reissued, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
      newTokens.add(operator.tokenValue(NS, name + "-token"));
    }
    tokensSeen.addAll(newTokens);
    watch.close();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                operator.metrics().get("apitoken.key.revocation.pending.tokens").gauge().value()
                    == 0.0);
    assertThat(signedBeforePublished).as("tokens signed by a key not yet published").isEmpty();
    for (String target : targets) {
      for (String fresh : newTokens) {
        assertThat(operator.verifierFor(target).verify(fresh).isAccepted()).as(target).isTrue();
      }
    }

    // A stale mount still shows the revoked key and not the new one, until the kubelet refreshes
    // it (60-90 s): old tokens still pass there, new ones fail as an unknown key.
    assertThat(staleMount.verify(oldTokens.get(0)).isAccepted()).isTrue();
    assertThat(staleMount.verify(newTokens.get(0)).rejection()).contains(Rejection.UNKNOWN_KEY);

    assertThat(CapturedLogs.lines())
        .anyMatch(l -> l.contains("audit action=key_revoked") && l.contains("kid=" + kid));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                client
                    .v1()
                    .events()
                    .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
                    .list()
                    .getItems()
                    .stream()
                    .anyMatch(e -> KeyRingSecretStore.REASON_KEY_REVOKED.equals(e.getReason())));

    // Never published again: not by maintenance, not after a restart.
    operator.maintainKeys();
    operator.restart();
    operator.maintainKeys();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (String target : targets) {
                assertThat(publishedKids(target)).isNotEmpty().doesNotContain(kid);
              }
            });
  }

  private io.fabric8.kubernetes.client.dsl.Resource<Secret> keyRingSecret() {
    return client
        .secrets()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(operator.config().keyRingSecretName());
  }

  private Set<String> publishedKids(String namespace) {
    ConfigMap map = operator.trustConfigMap(namespace);
    if (map == null || map.getData() == null) {
      return Set.of();
    }
    try {
      return JWKSet.parse(map.getData().get(TrustDocument.JWKS_KEY)).getKeys().stream()
          .map(k -> k.getKeyID())
          .collect(Collectors.toSet());
    } catch (Exception unreadable) {
      return Set.of();
    }
  }
}
