package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.ApiTokenOperator;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.testing.Leases;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Readiness read from a real JOSDK operator running against the mock API server. */
@EnableKubernetesMockClient(crud = true)
class OperatorReadinessTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  private ApiTokenOperator operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void leaderIsReadyOnlyOnceStartedAndNotWhileStopping() {
    operator = operator("--leader-election=false");
    OperatorReadiness readiness = new OperatorReadiness(operator);

    assertThat(readiness.readiness().ok()).isFalse();
    assertThat(readiness.readiness().message()).startsWith("starting");
    assertThat(readiness.liveness().ok()).isTrue();

    operator.start();
    readiness.markStarted();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(readiness.readiness())
                    .isEqualTo(Readiness.Check.ok("ready: leader, reconciling")));

    readiness.markStopping();
    assertThat(readiness.readiness().ok()).isFalse();
    assertThat(readiness.readiness().message()).isEqualTo("shutting down");
    assertThat(readiness.liveness().ok()).as("stopping is not dead").isTrue();
  }

  @Test
  void standbyIsReadyWhileAnotherReplicaHoldsTheLease() {
    Leases.allowLeaseUse(server);
    Leases.heldByAnotherReplica(client, 3600);
    operator = operator("--leader-election=true");
    OperatorReadiness readiness = new OperatorReadiness(operator);

    operator.start();
    readiness.markStarted();

    assertThat(readiness.readiness())
        .isEqualTo(Readiness.Check.ok("ready: standby, waiting for the leader Lease"));
  }

  @Test
  void aLeaderWhoseControllersAreNotRunningIsNotReady() {
    operator = operator("--leader-election=false");
    OperatorReadiness readiness =
        new OperatorReadiness(
            new OperatorStatus() {
              @Override
              public boolean keyRingLoaded() {
                return true;
              }

              @Override
              public boolean leading() {
                return true;
              }

              @Override
              public io.javaoperatorsdk.operator.Operator operator() {
                return operator.operator();
              }
            });
    operator.start();
    readiness.markStarted();
    operator.operator().stop();

    assertThat(readiness.readiness().ok()).isFalse();
  }

  @Test
  void aKeyRingThatIsNotLoadedIsNotReady() {
    OperatorReadiness readiness =
        new OperatorReadiness(
            new OperatorStatus() {
              @Override
              public boolean keyRingLoaded() {
                return false;
              }

              @Override
              public boolean leading() {
                return false;
              }

              @Override
              public io.javaoperatorsdk.operator.Operator operator() {
                return null;
              }
            });
    readiness.markStarted();

    assertThat(readiness.readiness()).isEqualTo(Readiness.Check.failing("key ring not loaded"));
  }

  private static ApiTokenOperator operator(String leaderElection) {
    return new ApiTokenOperator(
        client,
        ConfigLoader.load(
            new String[] {
              "--operator-namespace=" + RunningOperator.OPERATOR_NAMESPACE, leaderElection
            },
            Map.of()),
        new ApiTokenOperator.Tuning(Duration.ofMinutes(10), Duration.ofHours(1), false),
        new MutableClock(RunningOperator.START),
        new SecureRandom(),
        new OperatorMetrics(new SimpleMeterRegistry(), new MutableClock(RunningOperator.START)));
  }
}
