package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 21, finding 1: on a real API server, with exactly the chart's RBAC, the leader keeps its
 * Lease (Fabric8's elector renews it with a PATCH) and issues tokens.
 */
@ExtendWith(RealApi.class)
class RealApiLeaderElectionTest {
  private static final String NAMESPACE = "team-lease";
  private InstalledOperator installed;

  @BeforeEach
  void install(RealApiServer server) {
    installed = new InstalledOperator(server);
    installed.createNamespace(NAMESPACE);
  }

  @AfterEach
  void stop() throws Exception {
    installed.deleteApiTokens(NAMESPACE);
    installed.close();
  }

  @Test
  void leaderKeepsItsLeasePastThirtySecondsAndIssuesTokensWithTheChartsRbac() {
    RunningOperator replica = installed.startReplica();
    String leader = installed.awaitLeader(Duration.ofSeconds(60));

    // Renewals every 2 s against a 15 s lease: held by the same replica for 30 s means renewed.
    await()
        .during(Duration.ofSeconds(32))
        .atMost(Duration.ofSeconds(45))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                InstalledOperator.held(installed.lease())
                    && leader.equals(InstalledOperator.holder(installed.lease()))
                    && replica.operator().leading());

    installed
        .admin()
        .resource(ApiTokens.named("after-thirty-seconds").in(NAMESPACE).build())
        .create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                ConditionAssert.hasCondition(
                    replica.get(NAMESPACE, "after-thirty-seconds"),
                    Conditions.READY,
                    Conditions.TRUE));
    ApiToken ready = replica.get(NAMESPACE, "after-thirty-seconds");
    assertThat(replica.tokenValue(NAMESPACE, ready.getStatus().getSecretName()))
        .as("the token in the Secret")
        .isNotBlank();
  }
}
