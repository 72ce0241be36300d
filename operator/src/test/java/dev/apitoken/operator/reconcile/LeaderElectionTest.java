package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.Leases;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Map;
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
    client
        .leases()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(Leases.LEASE_NAME)
        .delete();
    // Each test starts from an empty operator namespace: nothing published, no key ring.
    client.configMaps().inNamespace(RunningOperator.OPERATOR_NAMESPACE).delete();
    client.secrets().inNamespace(RunningOperator.OPERATOR_NAMESPACE).delete();
  }

  @Test
  void aStandbyLeavesADeletedKeyRingToTheLeaderAndWritesItsKeysBackOnTakeover() {
    Leases.allowLeaseUse(server);
    Leases.heldByAnotherReplica(client, 600);
    standby =
        new RunningOperator(
                client,
                new MutableClock(RunningOperator.START),
                "--leader-election=true",
                "--key-ring-secret=standby-keys")
            .start();
    var keyRing =
        client.secrets().inNamespace(RunningOperator.OPERATOR_NAMESPACE).withName("standby-keys");
    Map<String, String> loaded = keyRing.get().getData();

    keyRing.delete();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> keyRing.get() == null);

    // The other replica's Lease runs out: this one takes over and writes back the keys it holds.
    client
        .leases()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(Leases.LEASE_NAME)
        .edit(
            lease -> {
              lease.getSpec().setLeaseDurationSeconds(1);
              lease.getSpec().setRenewTime(java.time.ZonedDateTime.now().minusSeconds(10));
              return lease;
            });
    await().atMost(Duration.ofSeconds(30)).until(() -> keyRing.get() != null);
    assertThat(keyRing.get().getData()).isEqualTo(loaded);
  }

  @Test
  void aStandbyWritesNothingUntilItTakesOverTheLease() {
    Leases.allowLeaseUse(server);
    Leases.heldByAnotherReplica(client, 4);
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
