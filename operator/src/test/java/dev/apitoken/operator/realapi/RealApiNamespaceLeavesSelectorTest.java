package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * docs/REVOCATION-STATE.md, "Namespaces that leave the selector": a namespace whose label no longer
 * matches keeps its copy, and the copy is kept up to date, because a workload mounting it keeps the
 * last files the kubelet wrote; once someone deletes that copy it is not recreated.
 */
@ExtendWith(RealApi.class)
class RealApiNamespaceLeavesSelectorTest {
  private static final String SELECTOR_VALUE = "leaving-test";
  private static final String NAMESPACE = "team-leaving-tokens";
  private static final String LEAVING = "team-leaving";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private InstalledOperator installed;
  private KubernetesClient admin;
  private RunningOperator replica;

  @BeforeEach
  void start(RealApiServer server) {
    installed = InstalledOperator.selecting(server, SELECTOR_VALUE);
    admin = installed.admin();
    installed.createSelectedNamespace(NAMESPACE);
    installed.createSelectedNamespace(LEAVING);
    replica = installed.startLeader();
  }

  @AfterEach
  void stop() throws Exception {
    installed.deleteApiTokens(NAMESPACE);
    installed.close();
  }

  @Test
  void aCopyInANamespaceThatLeftTheSelectorIsKeptUpToDateUntilItIsDeleted() throws IOException {
    admin.resource(ApiTokens.named("leaked").in(NAMESPACE).build()).create();
    admin.resource(ApiTokens.named("retired").in(NAMESPACE).build()).create();
    ApiToken leaked =
        installed.awaitCondition(NAMESPACE, "leaked", Conditions.READY, Conditions.TRUE);
    ApiToken retired =
        installed.awaitCondition(NAMESPACE, "retired", Conditions.READY, Conditions.TRUE);
    String leakedToken = replica.tokenValue(NAMESPACE, leaked.getStatus().getSecretName());
    String retiredToken = replica.tokenValue(NAMESPACE, retired.getStatus().getSecretName());
    await("the selected namespace gets its copy")
        .atMost(WAIT)
        .until(() -> replica.trustConfigMap(LEAVING) != null);
    assertThat(MountedTrust.verify(replica, LEAVING, leakedToken).isAccepted()).isTrue();

    admin
        .namespaces()
        .withName(LEAVING)
        .edit(
            ns -> {
              ns.getMetadata().getLabels().remove(InstalledOperator.SELECTOR_LABEL);
              return ns;
            });
    await("the operator sees the namespace leave its selector")
        .atMost(WAIT)
        .until(
            () ->
                CapturedLogs.lines().stream()
                    .anyMatch(
                        l ->
                            l.contains("event=trust_copy_outside_selector")
                                && l.contains("namespace=" + LEAVING)));

    leaked.getSpec().setRevoked(true);
    admin.resource(leaked).update();
    installed.awaitCondition(NAMESPACE, "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    assertThat(MountedTrust.verify(replica, LEAVING, leakedToken).rejection())
        .as("the verdict from the copy in the namespace that left the selector")
        .contains(Rejection.REVOKED);

    double targets = trustNamespaces();
    admin
        .configMaps()
        .inNamespace(LEAVING)
        .withName(replica.config().trustConfigMapName())
        .delete();
    await("the deleted copy is no longer a target")
        .atMost(WAIT)
        .until(() -> trustNamespaces() == targets - 1);
    admin.resource(replica.get(NAMESPACE, "retired")).delete();
    await().atMost(WAIT).until(() -> replica.get(NAMESPACE, "retired") == null);
    assertThat(MountedTrust.verify(replica, NAMESPACE, retiredToken).rejection())
        .contains(Rejection.REVOKED);
    assertThat(replica.trustConfigMap(LEAVING))
        .as("the copy someone deleted outside the selector, after the next revocation")
        .isNull();
  }

  /** {@code apitoken_trust_namespaces}: namespaces the last status list was published to. */
  private double trustNamespaces() {
    Gauge gauge = replica.metrics().find("apitoken.trust.namespaces").gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }
}
