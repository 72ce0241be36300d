package dev.apitoken.operator.testing;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.ZonedDateTime;

/** Leader-election fixtures for the mock API server. */
public final class Leases {
  public static final String LEASE_NAME = "apitoken-operator-leader";

  private Leases() {}

  /** JOSDK checks it may use Leases before electing; the CRUD mock cannot answer that review. */
  public static void allowLeaseUse(KubernetesMockServer server) {
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
  }

  /** Another replica holds the leader Lease, renewed just now, for {@code seconds}. */
  public static void heldByAnotherReplica(KubernetesClient client, int seconds) {
    ZonedDateTime now = ZonedDateTime.now();
    client
        .leases()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName(LEASE_NAME)
                .withNamespace(RunningOperator.OPERATOR_NAMESPACE)
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity("the-other-replica")
                .withLeaseDurationSeconds(seconds)
                .withAcquireTime(now)
                .withRenewTime(now)
                .endSpec()
                .build())
        .create();
  }
}
