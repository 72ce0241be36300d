package dev.apitoken.operator.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.format.Base64Url;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.publish.TrustConfigMapWriter;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 20's cases 1-3: a tenant with nothing more than edit rights in one namespace (ConfigMaps)
 * creates or edits trust copies, with every bit of the status list set and the annotations the
 * operator used to read back ({@code apitoken.dev/indices-reserved}, {@code
 * apitoken.dev/revoked-kids}). Copies are output: no verdict anywhere changes, issuance and renewal
 * go on, and the operator's signing key stays published.
 */
@EnableKubernetesMockClient(crud = true)
class TenantCopyEditsTest {
  static KubernetesClient client;
  private static final String SELECTED = "apitoken.dev/trust=enabled";
  private RunningOperator operator;

  @AfterEach
  void stop() {
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  /** Every index of the first shard revoked: what the tenant writes as {@code status-list.json}. */
  private String everyBitSet() {
    byte[] bytes = new byte[(1 << 21) / 8];
    java.util.Arrays.fill(bytes, (byte) 0xff);
    return StatusListDocument.of(StatusList.ofBytes(1, bytes), operator.config().statusListUri())
        .toJson();
  }

  private static String kidOf(String token) throws Exception {
    String header = new String(Base64Url.decode(token.substring(0, token.indexOf('.'))), "UTF-8");
    return new ObjectMapper().readTree(header).get("kid").asText();
  }

  private Map<String, String> hostileAnnotations(String kid) {
    return Map.of(
        "apitoken.dev/indices-reserved",
        "33554431",
        "apitoken.dev/revoked-kids",
        kid + "=" + operator.clock().instant());
  }

  /** A ConfigMap named and labelled like the trust copy, as the tenant writes it. */
  private void plantCopy(String namespace, String kid) {
    ConfigMap existing =
        client
            .configMaps()
            .inNamespace(namespace)
            .withName(operator.config().trustConfigMapName())
            .get();
    Map<String, String> data = new HashMap<>(existing == null ? Map.of() : existing.getData());
    data.put(TrustDocument.STATUS_LIST_KEY, everyBitSet());
    ConfigMap planted =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            .withName(operator.config().trustConfigMapName())
            .withLabels(Labels.managed(TrustConfigMapWriter.COMPONENT))
            .withAnnotations(hostileAnnotations(kid))
            .endMetadata()
            .withData(data)
            .build();
    if (existing == null) {
      client.resource(planted).create();
    } else {
      planted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      client.resource(planted).update();
    }
  }

  @Test
  void aTenantsCopiesChangeNoVerdictStopNoIssuanceAndRevokeNoKey() throws Exception {
    operator =
        new RunningOperator(
            client,
            new MutableClock(RunningOperator.START),
            "--target-namespace-selector=" + SELECTED);
    operator.createNamespace("tenant", Map.of("apitoken.dev/trust", "enabled"));
    operator.createNamespace("team-b", Map.of("apitoken.dev/trust", "enabled"));
    operator.createNamespace("outsider", Map.of());
    operator.start();
    operator.create(ApiTokens.named("victim").in("team-b").build());
    long victimIndex = operator.awaitReady("team-b", "victim").getStatus().getStatusListIndex();
    String victim = operator.tokenValue("team-b", "victim-token");
    String kid = kidOf(victim);
    await().atMost(Duration.ofSeconds(20)).until(() -> operator.trustConfigMap("tenant") != null);

    // Case 1: the copy in the tenant's own namespace edited, and a look-alike in a namespace that
    // is not a target at all; cases 2 and 3: the annotations the operator used to read back.
    plantCopy("tenant", kid);
    plantCopy("outsider", kid);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(operator.publishedStatus("tenant", victimIndex))
                    .as("the tenant's copy is put back")
                    .isEqualTo(StatusList.VALID));
    operator.operator().maintain();
    operator.maintainKeys();

    assertThat(operator.operator().revocationLedger().current().isRevoked(victimIndex)).isFalse();
    for (String namespace : new String[] {"team-b", "tenant", RunningOperator.OPERATOR_NAMESPACE}) {
      assertThat(operator.verifierFor(namespace).verify(victim).rejection())
          .as("verdict in %s", namespace)
          .isEmpty();
      assertThat(operator.trustConfigMap(namespace).getData().get(TrustDocument.JWKS_KEY))
          .as("the active key is still published in %s", namespace)
          .contains(kid);
    }

    // A token issued afterwards, and after a restart (the floor is read again), is accepted.
    operator.create(ApiTokens.named("later").in("team-b").build());
    ApiToken later = operator.awaitReady("team-b", "later");
    assertThat(later.getStatus().getStatusListIndex()).isLessThan(1L << 21);
    operator.restart();
    operator.create(ApiTokens.named("after-restart").in("team-b").build());
    ApiToken afterRestart = operator.awaitReady("team-b", "after-restart");
    assertThat(afterRestart.getStatus().getStatusListIndex()).isLessThan(1L << 21);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              for (String name : new String[] {"victim", "later", "after-restart"}) {
                assertThat(
                        operator
                            .verifierFor("team-b")
                            .verify(operator.tokenValue("team-b", name + "-token"))
                            .rejection())
                    .as(name)
                    .isEmpty();
              }
            });
    assertThat(operator.get("team-b", "victim").getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getStatus()).isEqualTo("True");
            });
  }
}
