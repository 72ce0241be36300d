package dev.apitoken.operator.realapi;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A selected target namespace whose API server refuses the trust copy: a ResourceQuota allowing no
 * ConfigMaps, enforced by the real quota admission plugin once kube-controller-manager has counted
 * the namespace. Everything else goes on (issuance, the revocation published in the other
 * namespaces, a deletion through the finalizer); the namespace is named with the API server's
 * answer until it accepts its copy, and then gets it.
 */
@ExtendWith(RealApi.class)
class RealApiRefusingNamespaceTest {
  private static final String SELECTOR_VALUE = "refusing-test";
  private static final String NAMESPACE = "team-refusing-tokens";
  private static final String REFUSING = "team-refusing-quota";
  private static final String QUOTA = "no-configmaps";
  private static final String REFUSING_GAUGE = "apitoken.trust.namespace.refusing";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private InstalledOperator installed;
  private KubernetesClient admin;
  private RunningOperator replica;

  @BeforeEach
  void start(RealApiServer server) {
    installed = InstalledOperator.selecting(server, SELECTOR_VALUE);
    admin = installed.admin();
    installed.createSelectedNamespace(NAMESPACE);
    installed.createSelectedNamespace(REFUSING);
    admin.configMaps().inNamespace(REFUSING).delete();
    admin
        .resource(
            new ResourceQuotaBuilder()
                .withNewMetadata()
                .withName(QUOTA)
                .withNamespace(REFUSING)
                .endMetadata()
                .withNewSpec()
                .addToHard("count/configmaps", new Quantity("0"))
                .endSpec()
                .build())
        .create();
    await("kube-controller-manager has counted the namespace's ConfigMaps against the quota")
        .atMost(WAIT)
        .until(
            () -> {
              ResourceQuota quota =
                  admin.resourceQuotas().inNamespace(REFUSING).withName(QUOTA).get();
              return quota.getStatus() != null
                  && quota.getStatus().getHard() != null
                  && quota.getStatus().getHard().containsKey("count/configmaps")
                  && quota.getStatus().getUsed() != null
                  && quota.getStatus().getUsed().containsKey("count/configmaps");
            });
    assertThatThrownBy(
            () ->
                admin
                    .configMaps()
                    .inNamespace(REFUSING)
                    .resource(
                        new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("probe")
                            .endMetadata()
                            .build())
                    .create())
        .as("the API server refuses any ConfigMap in " + REFUSING)
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    replica = installed.startLeader();
  }

  @AfterEach
  void stop() throws Exception {
    // Later test classes select every namespace: none may inherit a namespace refusing its copy.
    admin.resourceQuotas().inNamespace(REFUSING).withName(QUOTA).delete();
    installed.deleteApiTokens(NAMESPACE);
    installed.close();
  }

  @Test
  void aNamespaceRefusingItsCopyHoldsUpNothingElseIsNamedAndGetsItsCopyOnceItAccepts()
      throws IOException {
    admin.resource(ApiTokens.named("leaked").in(NAMESPACE).build()).create();
    admin.resource(ApiTokens.named("retired").in(NAMESPACE).build()).create();
    ApiToken leaked =
        installed.awaitCondition(NAMESPACE, "leaked", Conditions.READY, Conditions.TRUE);
    ApiToken retired =
        installed.awaitCondition(NAMESPACE, "retired", Conditions.READY, Conditions.TRUE);
    String leakedToken = replica.tokenValue(NAMESPACE, leaked.getStatus().getSecretName());
    String retiredToken = replica.tokenValue(NAMESPACE, retired.getStatus().getSecretName());
    assertThat(MountedTrust.verify(replica, NAMESPACE, leakedToken).isAccepted()).isTrue();

    leaked.getSpec().setRevoked(true);
    admin.resource(leaked).update();

    String refusal =
        "refused: writing ConfigMap "
            + replica.config().trustConfigMapName()
            + " in namespace "
            + REFUSING
            + " failed (HTTP 403)";
    await("Revoked, and RevocationPublished False naming the refusing namespace")
        .atMost(WAIT)
        .until(
            () -> {
              ApiToken t = replica.get(NAMESPACE, "leaked");
              return ConditionAssert.hasCondition(t, Conditions.REVOKED, Conditions.TRUE)
                  && ConditionAssert.hasCondition(
                      t, Conditions.REVOCATION_PUBLISHED, Conditions.FALSE)
                  && message(t, Conditions.REVOCATION_PUBLISHED).contains(refusal);
            });
    assertCondition(
        replica.get(NAMESPACE, "leaked"),
        Conditions.REVOKED,
        Conditions.TRUE,
        Conditions.REASON_REVOKED);
    await("the revocation reaches the copy in " + NAMESPACE)
        .atMost(WAIT)
        .until(() -> MountedTrust.verify(replica, NAMESPACE, leakedToken).rejection().isPresent());
    assertThat(MountedTrust.verify(replica, NAMESPACE, leakedToken).rejection())
        .contains(Rejection.REVOKED);

    admin.resource(replica.get(NAMESPACE, "retired")).delete();
    await("the deletion completes despite " + REFUSING)
        .atMost(WAIT)
        .until(() -> replica.get(NAMESPACE, "retired") == null);
    assertThat(MountedTrust.verify(replica, NAMESPACE, retiredToken).rejection())
        .contains(Rejection.REVOKED);

    assertThat(refusingGauge()).as("apitoken_trust_namespace_refusing{%s}", REFUSING).isEqualTo(1);
    assertThat(replica.trustConfigMap(REFUSING)).as("a copy in " + REFUSING).isNull();
    assertThat(CapturedLogs.lines())
        .anyMatch(l -> l.contains("event=trust_copy_refused") && l.contains(REFUSING));
    assertThat(AuditLog.read(installed.server().auditLog()))
        .as("the API server itself refused the operator's copy")
        .anyMatch(
            e ->
                e.verb().equals("create")
                    && e.resource().equals("configmaps")
                    && e.namespace().equals(REFUSING)
                    && e.code() == 403);

    admin.resourceQuotas().inNamespace(REFUSING).withName(QUOTA).delete();

    ApiToken published =
        installed.awaitCondition(
            NAMESPACE, "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    assertThat(message(published, Conditions.REVOCATION_PUBLISHED)).doesNotContain("refused");
    assertThat(MountedTrust.verify(replica, REFUSING, leakedToken).rejection())
        .contains(Rejection.REVOKED);
    assertThat(MountedTrust.verify(replica, REFUSING, retiredToken).rejection())
        .contains(Rejection.REVOKED);
    await().atMost(WAIT).until(() -> refusingGauge() == 0);
  }

  private double refusingGauge() {
    Gauge gauge = replica.metrics().find(REFUSING_GAUGE).tag("namespace", REFUSING).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  private static String message(ApiToken token, String type) {
    return ConditionAssert.condition(token, type)
        .map(c -> c.getMessage() == null ? "" : c.getMessage())
        .orElse("");
  }
}
