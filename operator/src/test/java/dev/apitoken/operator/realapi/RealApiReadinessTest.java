package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.runtime.HttpEndpoints;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.runtime.OperatorReadiness;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 21, finding 1 as a user saw it: a replica that cannot take or renew the Lease never leads,
 * so no ApiToken is ever reconciled, yet {@code /readyz} answered 200. Here the replica runs with
 * the chart's RBAC except that its lease rule is the one the chart shipped before the fix (get,
 * create, update: no patch), and the Lease was left behind, expired, by a replica that is gone.
 */
@ExtendWith(RealApi.class)
class RealApiReadinessTest {
  private static final String ACCOUNT = "apitoken-lease-no-patch";
  private static final String LEASE_ROLE = "apitoken-lease-no-patch";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private InstalledOperator installed;
  private KubernetesClient admin;
  private String namespace;
  private RunningOperator replica;
  private HttpEndpoints http;

  @BeforeEach
  void install(RealApiServer server) {
    installed = new InstalledOperator(server);
    admin = installed.admin();
    namespace = installed.chart().namespace();
    grantTheChartsRulesWithTheOldLeaseRule();
    admin
        .leases()
        .inNamespace(namespace)
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName(installed.leaseName())
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity("a-replica-that-is-gone")
                .withLeaseDurationSeconds(15)
                .withAcquireTime(ZonedDateTime.now().minusMinutes(5))
                .withRenewTime(ZonedDateTime.now().minusMinutes(1))
                .endSpec()
                .build())
        .unlock()
        .createOr(NonDeletingOperation::update);
    replica =
        new RunningOperator(
                server.clientAs(namespace, ACCOUNT),
                new MutableClock(Instant.now()),
                installed.chart().operatorFlags().toArray(String[]::new))
            .withRegistry(OperatorMetrics.prometheusRegistry())
            .start();
    OperatorReadiness readiness = new OperatorReadiness(replica.operator());
    readiness.markStarted();
    http =
        HttpEndpoints.start(
            0,
            readiness,
            (io.micrometer.prometheusmetrics.PrometheusMeterRegistry) replica.metrics());
  }

  @AfterEach
  void stop() throws Exception {
    if (http != null) {
      http.close();
    }
    if (replica != null) {
      replica.close();
      replica.client().close();
    }
    admin.rbac().roles().inNamespace(namespace).withName(LEASE_ROLE).delete();
    installed.close();
  }

  @Test
  void notReadyWhileTheReplicaCannotTakeTheLeaseThenReadyOnceItCan() {
    await("/readyz refuses while nobody can renew the Lease")
        .atMost(Duration.ofSeconds(60))
        .until(() -> readyz().statusCode() == 503);
    assertThat(readyz().body()).containsIgnoringCase("lease");
    assertThat(replica.operator().leading()).isFalse();
    assertThat(InstalledOperator.holder(installed.lease())).isEqualTo("a-replica-that-is-gone");

    // The fixed chart's rule: the same replica takes the Lease at its next retry and is ready.
    leaseRule("get", "create", "update", "patch");
    await("the replica leads once it may patch the Lease")
        .atMost(Duration.ofSeconds(60))
        .until(() -> replica.operator().leading() && readyz().statusCode() == 200);
    assertThat(readyz().body()).contains("leader");
  }

  private HttpResponse<String> readyz() {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/readyz"))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A second ServiceAccount bound to the chart's roles, but with the old lease rule. */
  private void grantTheChartsRulesWithTheOldLeaseRule() {
    admin
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(ACCOUNT).endMetadata().build())
        .unlock()
        .createOr(NonDeletingOperation::update);
    for (ClusterRoleBinding binding : installed.chart().ofKind(ClusterRoleBinding.class)) {
      admin
          .resource(
              new ClusterRoleBindingBuilder(binding)
                  .editMetadata()
                  .withName(binding.getMetadata().getName() + "-no-patch")
                  .withResourceVersion(null)
                  .endMetadata()
                  .withSubjects(
                      List.of(
                          new io.fabric8.kubernetes.api.model.rbac.SubjectBuilder()
                              .withKind("ServiceAccount")
                              .withName(ACCOUNT)
                              .withNamespace(namespace)
                              .build()))
                  .build())
          .unlock()
          .createOr(NonDeletingOperation::update);
    }
    for (RoleBinding binding : installed.chart().ofKind(RoleBinding.class)) {
      boolean leaseBinding = binding.getRoleRef().getName().endsWith("-leader-election");
      admin
          .resource(
              new RoleBindingBuilder(binding)
                  .editMetadata()
                  .withName(binding.getMetadata().getName() + "-no-patch")
                  .withNamespace(namespace)
                  .withResourceVersion(null)
                  .endMetadata()
                  .editRoleRef()
                  .withName(leaseBinding ? LEASE_ROLE : binding.getRoleRef().getName())
                  .endRoleRef()
                  .withSubjects(
                      List.of(
                          new io.fabric8.kubernetes.api.model.rbac.SubjectBuilder()
                              .withKind("ServiceAccount")
                              .withName(ACCOUNT)
                              .withNamespace(namespace)
                              .build()))
                  .build())
          .unlock()
          .createOr(NonDeletingOperation::update);
    }
    leaseRule("get", "create", "update");
  }

  private void leaseRule(String... verbs) {
    admin
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName(LEASE_ROLE)
                .withNamespace(namespace)
                .endMetadata()
                .addNewRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs(verbs)
                .endRule()
                .build())
        .unlock()
        .createOr(NonDeletingOperation::update);
  }
}
