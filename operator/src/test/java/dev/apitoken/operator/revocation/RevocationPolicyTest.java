package dev.apitoken.operator.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.apitoken.operator.revocation.RevocationPolicy.Cause;
import dev.apitoken.operator.revocation.RevocationPolicy.Kind;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RevocationPolicyTest {
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  private static final Instant EARLIER = NOW.minusSeconds(3600);
  private static final Instant LATER = NOW.plusSeconds(3600);

  static Stream<Arguments> cases() {
    return Stream.of(
        // revoked flag, revokeAt, already revoked at, expected kind, cause, at
        arguments(false, null, null, Kind.NONE, Cause.NOT_REQUESTED, null),
        arguments(true, null, null, Kind.REVOKE, Cause.SPEC_REVOKED, NOW),
        arguments(true, null, EARLIER, Kind.REVOKE, Cause.SPEC_REVOKED, EARLIER),
        arguments(false, LATER, null, Kind.SCHEDULED, Cause.REVOKE_AT_AHEAD, LATER),
        arguments(false, NOW, null, Kind.REVOKE, Cause.REVOKE_AT_REACHED, NOW),
        arguments(false, EARLIER, null, Kind.REVOKE, Cause.REVOKE_AT_REACHED, NOW),
        arguments(false, EARLIER, EARLIER, Kind.REVOKE, Cause.REVOKE_AT_REACHED, EARLIER),
        arguments(false, null, EARLIER, Kind.REVOKE, Cause.FINAL, EARLIER),
        arguments(false, LATER, EARLIER, Kind.REVOKE, Cause.FINAL, EARLIER),
        arguments(true, LATER, null, Kind.REVOKE, Cause.SPEC_REVOKED, NOW));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void decidesWhetherToRevoke(
      boolean flag, Instant revokeAt, Instant revokedAt, Kind kind, Cause cause, Instant at) {
    var decision =
        RevocationPolicy.decide(
            flag, Optional.ofNullable(revokeAt), Optional.ofNullable(revokedAt), NOW);
    assertThat(decision.kind()).isEqualTo(kind);
    assertThat(decision.cause()).isEqualTo(cause);
    assertThat(decision.at()).isEqualTo(at);
  }
}
