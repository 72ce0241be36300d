package dev.apitoken.operator.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where the first index of a start comes from: a cluster with no trace of issued tokens is new and
 * starts quietly at 0; an operator namespace emptied or restored while stopped resumes past every
 * token the operator can still see (in a Secret, signed with its own key), and says so.
 */
@EnableKubernetesMockClient(crud = true)
class IndexFloorTest {
  // One mock API server per test: each starts from a cluster of its own (a fresh install).
  KubernetesClient client;
  private RunningOperator operator;

  @AfterEach
  void stop() {
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  private static List<String> linesSince(int from) {
    List<String> lines = CapturedLogs.lines();
    return lines.subList(from, lines.size());
  }

  @Test
  void aFreshInstallHandsOutIndexZeroFirstWithoutAWarning() {
    operator = new RunningOperator(client, new MutableClock(RunningOperator.START));
    operator.createNamespace("fresh-install", Map.of());
    int before = CapturedLogs.lines().size();
    operator.start();

    operator.create(ApiTokens.named("first").in("fresh-install").build());

    assertThat(operator.awaitReady("fresh-install", "first").getStatus().getStatusListIndex())
        .isZero();
    assertThat(linesSince(before)).noneMatch(line -> line.contains("index_state_behind"));
  }

  /**
   * The floor reads token Secrets, which a tenant with {@code edit} can create with the operator's
   * labels: a token that does not verify with the operator's key ring (a forged signature, a key of
   * the tenant's own) must not move it, or one Secret would halt issuance cluster-wide.
   */
  @Test
  void aTenantsForgedTokenSecretDoesNotMoveTheFloor() {
    operator = new RunningOperator(client, new MutableClock(RunningOperator.START));
    operator.createNamespace("tenant", Map.of());
    String forged =
        base64Url("{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"tenant-key\"}")
            + "."
            + base64Url(
                "{\"sub\":\"x\",\"iat\":1767225600,\"exp\":1798761600,\"jti\":\"forged\","
                    + "\"status\":{\"status_list\":{\"idx\":33554000,\"uri\":\"https://x\"}}}")
            + "."
            + base64Url("not a signature of ours, not a signature at all, 64 bytes long........");
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("looks-like-a-token")
                .withNamespace("tenant")
                .withLabels(Labels.managed(TokenSecretDependent.COMPONENT))
                .endMetadata()
                .addToData(
                    TokenSecretDependent.TOKEN_KEY,
                    Base64.getEncoder().encodeToString(forged.getBytes(StandardCharsets.US_ASCII)))
                .build())
        .create();
    operator.start();

    operator.create(ApiTokens.named("first").in("tenant").build());

    assertThat(operator.awaitReady("tenant", "first").getStatus().getStatusListIndex()).isZero();
  }

  private static String base64Url(String text) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Found by the model (seeds 13314, 2246237334): the operator namespace restored while stopped to
   * a backup older than a token, with no selected namespace holding a copy of the reservation; the
   * token replaced at the next start got its own index again for its successor.
   */
  @Test
  void aTokenReplacedAfterTheOperatorNamespaceWasEmptiedNeverPassesItsIndexOn() {
    // No namespace is selected: the operator namespace holds the only copy.
    operator =
        new RunningOperator(
            client,
            new MutableClock(RunningOperator.START),
            "--target-namespace-selector=apitoken.dev/trust=enabled");
    operator.createNamespace("kept", Map.of());
    operator.start();
    operator.create(ApiTokens.named("other").in("kept").build());
    operator.awaitReady("kept", "other");
    operator.create(ApiTokens.named("replaced").in("kept").build());
    long before = operator.awaitReady("kept", "replaced").getStatus().getStatusListIndex();

    // While stopped: the operator namespace restored to a backup from before any token (no state,
    // no records, no copy), and the subject changed, so the token is replaced at the next start.
    operator.close();
    client
        .configMaps()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .list()
        .getItems()
        .forEach(m -> client.resource(m).delete());
    ApiToken edited = operator.get("kept", "replaced");
    edited.getSpec().setSubject("someone-else");
    client.resource(edited).update();
    int from = CapturedLogs.lines().size();
    operator.start();

    ApiToken after = operator.awaitNewToken("kept", "replaced", edited.getStatus().getJti());
    assertThat(after.getStatus().getStatusListIndex()).isGreaterThan(before);
    assertThat(linesSince(from))
        .anyMatch(
            line ->
                line.contains("event=index_state_behind")
                    && line.contains("floor=" + (before + 1)));
  }
}
