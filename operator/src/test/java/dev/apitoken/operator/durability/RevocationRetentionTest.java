package dev.apitoken.operator.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A verifier may accept a token up to one hour (its largest leeway) after expiry, and a mounted
 * copy lags the operator by minutes: a revocation is kept, and a late one still recorded, until
 * {@code exp + 1 h + 10 min}.
 */
@EnableKubernetesMockClient(crud = true)
class RevocationRetentionTest {
  static KubernetesClient client;

  private static final Instant EXPIRES = Instant.parse("2026-03-10T12:00:00Z");

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 3_599, 3_600, 4_199})
  void aRevocationIsKeptUntilTheLargestVerifierLeewayAndThePropagationMarginHavePassed(
      long secondsAfterExpiry) {
    // The stored expiry is exact to the second: the tightest case.
    Instant expires = EXPIRES.plus(Duration.ofHours(12)).minusSeconds(1);
    RevokedRecords revoked =
        RevokedRecords.empty()
            .with(List.of(IssueRecord.revokedUnowned(5, expires)))
            .prune(
                expires.plusSeconds(secondsAfterExpiry),
                IndexSpace.RETENTION_AFTER_EXPIRY,
                Duration.ofDays(30));
    assertThat(revoked.isRevoked(5)).isTrue();
  }

  @Test
  void aRevocationIsForgottenOnlyAfterTheRetention() {
    Instant expires = EXPIRES.plus(Duration.ofHours(12)).minusSeconds(1);
    RevokedRecords revoked =
        RevokedRecords.empty()
            .with(List.of(IssueRecord.revokedUnowned(5, expires)))
            .prune(
                expires.plus(Duration.ofMinutes(71)),
                IndexSpace.RETENTION_AFTER_EXPIRY,
                Duration.ofDays(30));
    assertThat(revoked.isRevoked(5)).isFalse();
    assertThat(revoked.covers(5)).as("remembered as revoked-then-expired").isTrue();
  }

  @Test
  void aRevocationArrivingWithinTheLeewayAfterExpiryIsStillRecordedAndPublished() {
    MutableClock clock = new MutableClock(RunningOperator.START);
    try (RunningOperator operator = new RunningOperator(client, clock)) {
      operator.createNamespace("late", Map.of());
      operator.start();
      operator.create(ApiTokens.named("short").in("late").ttl("1h").renewBefore("10m").build());
      ApiToken ready = operator.awaitReady("late", "short");
      long index = ready.getStatus().getStatusListIndex();

      clock.advance(Duration.ofMinutes(90)); // expired 30 minutes ago
      ApiToken current = operator.get("late", "short");
      current.getSpec().setRevoked(true);
      client.resource(current).update();
      operator.awaitCondition("late", "short", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);

      assertThat(operator.publishedStatus("late", index)).isEqualTo(StatusList.INVALID);
      operator.deleteAllApiTokens();
    }
  }
}
