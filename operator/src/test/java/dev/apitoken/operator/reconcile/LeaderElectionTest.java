package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** With two replicas, only the leader issues, records revocations and publishes. */
@EnableKubernetesMockClient(crud = true)
class LeaderElectionTest {
  static KubernetesClient client;
  static KubernetesMockServer server;
  private RunningOperator standby;

  @AfterEach
  void stop() {
    standby.close();
  }

  @Test
  void aStandbyWritesNothingUntilItTakesOverTheLease() {
    // JOSDK checks it may use Leases before electing; the CRUD mock cannot answer that review.
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewMetadata()
                .endMetadata()
                .withNewStatus()
                .addNewResourceRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("get", "create", "update")
                .endResourceRule()
                .withIncomplete(false)
                .endStatus()
                .build())
        .always();
    ZonedDateTime now = ZonedDateTime.now();
    client
        .leases()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName("apitoken-operator-leader")
                .withNamespace(RunningOperator.OPERATOR_NAMESPACE)
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity("the-other-replica")
                .withLeaseDurationSeconds(4)
                .withAcquireTime(now)
                .withRenewTime(now)
                .endSpec()
                .build())
        .create();
    standby =
        new RunningOperator(
                client, new MutableClock(RunningOperator.START), "--leader-election=true")
            .start();
    standby.create(ApiTokens.named("waiting").in("default").build());

    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(
            () ->
                standby.trustConfigMap() == null
                    && standby.secret("default", "waiting-token") == null);

    // The other replica stops renewing: this one takes over, publishes and issues.
    ApiToken ready = standby.awaitReady("default", "waiting");
    assertThat(ready.getStatus().getJti()).isNotNull();
    assertThat(standby.trustConfigMap()).isNotNull();
  }
}
