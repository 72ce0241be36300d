package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The leader dies without a word: its connection to the API server is cut (its client closed, the
 * in-process stand-in for {@code kill -9}), so it neither releases the Lease nor writes anything
 * more. The standby takes the Lease once it expires, not before, and finishes a revocation made
 * while nobody could act on it.
 */
@ExtendWith(RealApi.class)
class RealApiCrashedLeaderTest {
  private static final String NAMESPACE = "team-crash";
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Fabric8's elector retries every 2 s; the rest is this shared machine's scheduling. */
  private static final Duration TAKEOVER_SLACK = Duration.ofSeconds(5);

  private InstalledOperator installed;
  private KubernetesClient admin;

  @BeforeEach
  void install(RealApiServer server) {
    installed = new InstalledOperator(server);
    admin = installed.admin();
    installed.createNamespace(NAMESPACE);
  }

  @AfterEach
  void stop() throws Exception {
    installed.deleteApiTokens(NAMESPACE);
    installed.close();
  }

  @Test
  void theStandbyTakesTheLeaseOnceItExpiresAndFinishesARevocationMadeMeanwhile()
      throws IOException {
    RunningOperator crashing = installed.startReplica();
    String crashedIdentity = installed.awaitLeader(WAIT);
    await().atMost(WAIT).until(() -> crashing.operator().leading());
    RunningOperator standby = installed.startReplica();
    admin.resource(ApiTokens.named("leaked").in(NAMESPACE).build()).create();
    ApiToken leaked =
        installed.awaitCondition(NAMESPACE, "leaked", Conditions.READY, Conditions.TRUE);
    String token = crashing.tokenValue(NAMESPACE, leaked.getStatus().getSecretName());

    crashing.client().close();
    ZonedDateTime crashedAt = ZonedDateTime.now();
    Lease left = installed.lease();
    assertThat(InstalledOperator.holder(left))
        .as("the Lease after the crash")
        .isEqualTo(crashedIdentity);
    assertThat(InstalledOperator.held(left)).as("still held: nobody released it").isTrue();
    ZonedDateTime expires =
        left.getSpec().getRenewTime().plusSeconds(left.getSpec().getLeaseDurationSeconds());

    leaked.getSpec().setRevoked(true);
    admin.resource(leaked).update();
    assertThat(standby.operator().leading()).as("the standby leads when revoked").isFalse();

    await("the standby leads")
        .atMost(WAIT)
        .until(
            () ->
                standby.operator().leading()
                    && !crashedIdentity.equals(InstalledOperator.holder(installed.lease())));
    ZonedDateTime tookOver = ZonedDateTime.now();
    Lease taken = installed.lease();
    assertThat(taken.getSpec().getAcquireTime())
        .as("taken only once the crashed leader's Lease expired (%s)", expires)
        .isAfterOrEqualTo(expires);
    assertThat(Duration.between(crashedAt, tookOver))
        .as("from the crash to the standby leading")
        .isLessThanOrEqualTo(
            Duration.ofSeconds(left.getSpec().getLeaseDurationSeconds()).plus(TAKEOVER_SLACK));

    ApiToken revoked =
        installed.awaitCondition(
            NAMESPACE, "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    ConditionAssert.assertCondition(
        revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertThat(MountedTrust.verify(standby, RunningOperator.OPERATOR_NAMESPACE, token).rejection())
        .contains(Rejection.REVOKED);
    await()
        .atMost(WAIT)
        .until(() -> admin.secrets().inNamespace(NAMESPACE).withName("leaked-token").get() == null);
  }
}
