package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's watches cannot resume: kube-apiserver restarts on the same etcd (every watch is
 * cut) and etcd is compacted past every resourceVersion the informers saw, so resuming a watch is
 * answered 410 Gone. Changes made meanwhile (a new ApiToken, a revocation) are still acted on once
 * the informers have listed again, and nothing already issued is issued again. Leader election is
 * off here, so the API server's downtime cannot cost the Lease (the fail-over tests cover that).
 */
@ExtendWith(RealApi.class)
class RealApiWatchGoneTest {
  private static final String NAMESPACE = "team-gone";
  private InstalledOperator installed;
  private KubernetesClient admin;
  private RunningOperator replica;

  @BeforeEach
  void start(RealApiServer server) {
    installed =
        InstalledOperator.withValues(server, "replicaCount=1", "leaderElection.enabled=false");
    admin = installed.admin();
    installed.createNamespace(NAMESPACE);
    replica = installed.startReplica();
  }

  @AfterEach
  void stop() throws Exception {
    installed.deleteApiTokens(NAMESPACE);
    installed.close();
  }

  @Test
  void changesTheWatchesMissedAreActedOnAfterA410AndNothingIsReissued() throws IOException {
    admin.resource(ApiTokens.named("kept").in(NAMESPACE).build()).create();
    admin.resource(ApiTokens.named("leaked").in(NAMESPACE).build()).create();
    ApiToken kept = installed.awaitCondition(NAMESPACE, "kept", Conditions.READY, Conditions.TRUE);
    ApiToken leaked =
        installed.awaitCondition(NAMESPACE, "leaked", Conditions.READY, Conditions.TRUE);
    String keptToken = replica.tokenValue(NAMESPACE, kept.getStatus().getSecretName());
    String leakedToken = replica.tokenValue(NAMESPACE, leaked.getStatus().getSecretName());
    double issuedBefore = issued();
    String seenVersion =
        admin
            .resources(ApiToken.class)
            .inNamespace(NAMESPACE)
            .list()
            .getMetadata()
            .getResourceVersion();
    long listsBefore = apiTokenListsByTheOperator();
    // One more write, so the restarted server's watch cache starts past every resourceVersion the
    // informers have seen: resuming from any of them is then too old, whatever else ran before.
    admin
        .configMaps()
        .inNamespace(NAMESPACE)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("before-restart")
                .endMetadata()
                .addToData("at", Long.toString(System.nanoTime()))
                .build())
        .unlock()
        .createOr(NonDeletingOperation::update);

    installed.server().restartApiServer();
    admin.resource(ApiTokens.named("late").in(NAMESPACE).build()).create();
    admin
        .resources(ApiToken.class)
        .inNamespace(NAMESPACE)
        .withName("leaked")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"revoked\":true}}");
    installed.server().compactEtcd();
    // Once its watch cache is ready, the server answers a watch from there with 410 Gone.
    await("a watch resumed from a resourceVersion the informers had seen is answered 410 Gone")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> watchFrom(seenVersion),
            a -> a.contains("\"type\":\"ERROR\"") && a.contains("\"code\":410"));

    ApiToken late = installed.awaitCondition(NAMESPACE, "late", Conditions.READY, Conditions.TRUE);
    assertThat(
            MountedTrust.verify(
                    replica,
                    NAMESPACE,
                    replica.tokenValue(NAMESPACE, late.getStatus().getSecretName()))
                .isAccepted())
        .as("the ApiToken created while the watches were down")
        .isTrue();
    ApiToken revoked =
        installed.awaitCondition(
            NAMESPACE, "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    ConditionAssert.assertCondition(
        revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertThat(MountedTrust.verify(replica, NAMESPACE, leakedToken).rejection())
        .as("the token revoked while the watches were down")
        .contains(Rejection.REVOKED);
    assertThat(get("kept").getStatus().getJti())
        .as("kept's token")
        .isEqualTo(kept.getStatus().getJti());
    assertThat(MountedTrust.verify(replica, NAMESPACE, keptToken).isAccepted()).isTrue();
    assertThat(issued())
        .as("tokens issued since the restart: the late one only")
        .isEqualTo(issuedBefore + 1);
    assertThat(apiTokenListsByTheOperator())
        .as("the operator listed the ApiTokens again (a watch resumed without 410 lists nothing)")
        .isGreaterThan(listsBefore);
  }

  /**
   * What the API server answers a watch of the namespace's ApiTokens from {@code resourceVersion}
   * (kept open at most 2 s): a 410 Gone comes back as an ERROR event carrying the Status.
   */
  private String watchFrom(String resourceVersion) {
    String answer =
        admin.raw(
            "/apis/apitoken.dev/v1alpha1/namespaces/"
                + NAMESPACE
                + "/apitokens?watch=1&timeoutSeconds=2&resourceVersion="
                + resourceVersion);
    return answer == null ? "" : answer;
  }

  private long apiTokenListsByTheOperator() {
    return AuditLog.read(installed.server().auditLog()).stream()
        .filter(e -> e.verb().equals("list") && e.resource().equals("apitokens"))
        .count();
  }

  private double issued() {
    return replica.metrics().find("apitoken.tokens.issued").counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private ApiToken get(String name) {
    return installed.get(NAMESPACE, name);
  }
}
