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
  private static final java.util.concurrent.atomic.AtomicInteger RUN =
      new java.util.concurrent.atomic.AtomicInteger();
  private final int run = RUN.incrementAndGet();
  private final String tenant = "tenant-" + run;
  private final String teamB = "team-b-" + run;
  private final String outsider = "outsider-" + run;
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

  /** A ConfigMap named and labelled like the trust copy, as the tenant writes it. */
  private void plantCopy(String namespace, Map<String, String> annotations, boolean everyBit) {
    ConfigMap existing =
        client
            .configMaps()
            .inNamespace(namespace)
            .withName(operator.config().trustConfigMapName())
            .get();
    Map<String, String> data = new HashMap<>(existing == null ? Map.of() : existing.getData());
    if (everyBit) {
      data.put(TrustDocument.STATUS_LIST_KEY, everyBitSet());
    }
    ConfigMap planted =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            .withName(operator.config().trustConfigMapName())
            .withLabels(Labels.managed(TrustConfigMapWriter.COMPONENT))
            .withAnnotations(annotations)
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

  /** The operator with a selector, the tenant's and another team's namespaces, a victim token. */
  private String startWithVictim() {
    operator =
        new RunningOperator(
            client,
            new MutableClock(RunningOperator.START),
            "--target-namespace-selector=" + SELECTED);
    operator.createNamespace(tenant, Map.of("apitoken.dev/trust", "enabled"));
    operator.createNamespace(teamB, Map.of("apitoken.dev/trust", "enabled"));
    operator.createNamespace(outsider, Map.of());
    operator.start();
    operator.create(ApiTokens.named("victim").in(teamB).build());
    operator.awaitReady(teamB, "victim");
    await().atMost(Duration.ofSeconds(20)).until(() -> operator.trustConfigMap(tenant) != null);
    return operator.tokenValue(teamB, "victim-token");
  }

  private void assertAccepted(String namespace, String... apiTokens) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              for (String name : apiTokens) {
                assertThat(
                        operator
                            .verifierFor(namespace)
                            .verify(operator.tokenValue(namespace, name + "-token"))
                            .rejection())
                    .as("%s in %s", name, namespace)
                    .isEmpty();
              }
            });
  }

  /**
   * Case 1: every bit of the status list set in the tenant's own copy and in a look-alike in a
   * namespace that is not a target, with a list signed by a key of the tenant's own claiming a huge
   * version: the copy is put back, the revocation store never holds the bit, every namespace
   * accepts.
   */
  @Test
  void aTenantsEditedOrPlantedCopyRevokesNothing() {
    String victim = startWithVictim();
    long victimIndex = operator.get(teamB, "victim").getStatus().getStatusListIndex();
    plantCopy(tenant, Map.of(), true);
    plantCopy(outsider, Map.of(), true);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(operator.publishedStatus(tenant, victimIndex))
                    .as("the tenant's copy is put back")
                    .isEqualTo(StatusList.VALID));
    operator.operator().maintain();

    assertThat(operator.operator().revocationStore().isRevoked(victimIndex)).isFalse();
    for (String namespace : new String[] {teamB, tenant, RunningOperator.OPERATOR_NAMESPACE}) {
      assertThat(operator.verifierFor(namespace).verify(victim).rejection())
          .as("verdict in %s", namespace)
          .isEmpty();
    }
    operator.create(ApiTokens.named("later").in(teamB).build());
    operator.awaitReady(teamB, "later");
    assertAccepted(teamB, "victim", "later");
    assertThat(operator.get(teamB, "victim").getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getStatus()).isEqualTo("True");
            });
  }

  /**
   * Case 2: {@code apitoken.dev/indices-reserved: "33554431"} on the tenant's copy and on a
   * look-alike: issuance and renewal go on, before and after a restart (the floor is read again),
   * at ordinary indices.
   */
  @Test
  void aTenantsReservationAnnotationHaltsNoIssuance() {
    startWithVictim();
    Map<String, String> reserved = Map.of("apitoken.dev/indices-reserved", "33554431");
    plantCopy(tenant, reserved, false);
    plantCopy(outsider, reserved, false);
    operator.operator().maintain();
    operator.create(ApiTokens.named("later").in(teamB).build());
    ApiToken later = operator.awaitReady(teamB, "later");
    assertThat(later.getStatus().getStatusListIndex()).isLessThan(1L << 21);
    operator.restart();
    operator.create(ApiTokens.named("after-restart").in(teamB).build());
    ApiToken afterRestart = operator.awaitReady(teamB, "after-restart");
    assertThat(afterRestart.getStatus().getStatusListIndex()).isLessThan(1L << 21);
    assertAccepted(teamB, "victim", "later", "after-restart");
  }

  /**
   * Case 3: {@code apitoken.dev/revoked-kids: <active kid>=<now>} re-applied on the tenant's copy:
   * the key-ring maintenance keeps the active key, it stays published, tokens keep verifying.
   */
  @Test
  void aTenantsRevokedKidsAnnotationRevokesNoSigningKey() throws Exception {
    String victim = startWithVictim();
    String kid = kidOf(victim);
    Map<String, String> revokedKids =
        Map.of("apitoken.dev/revoked-kids", kid + "=" + operator.clock().instant());
    plantCopy(tenant, revokedKids, false);
    plantCopy(outsider, revokedKids, false);
    operator.operator().maintain();
    operator.maintainKeys();
    plantCopy(tenant, revokedKids, false);
    operator.maintainKeys();

    for (String namespace : new String[] {teamB, tenant, RunningOperator.OPERATOR_NAMESPACE}) {
      assertThat(operator.trustConfigMap(namespace).getData().get(TrustDocument.JWKS_KEY))
          .as("the active key is still published in %s", namespace)
          .contains(kid);
    }
    assertAccepted(teamB, "victim");
  }
}
