package dev.apitoken.operator.denylist;

import java.time.Instant;
import java.util.Optional;

/**
 * Decides whether an ApiToken's tokens must be revoked now. Revocation is final: once recorded, it
 * stays, whatever the spec says later.
 */
public final class RevocationPolicy {
  private RevocationPolicy() {}

  public enum Kind {
    /** Nothing to revoke. */
    NONE,
    /** A revocation time lies ahead. */
    SCHEDULED,
    /** Revoke now (or keep revoked). */
    REVOKE
  }

  /**
   * @param reason condition reason: Revoked, RevokedOnSchedule or RevocationFinal (REVOKE), or
   *     Scheduled
   */
  public record Decision(Kind kind, String reason, String message, Instant at) {}

  public static Decision decide(
      boolean revokedFlag,
      Optional<Instant> revokeAt,
      Optional<Instant> alreadyRevokedAt,
      Instant now) {
    if (revokedFlag) {
      return new Decision(
          Kind.REVOKE, "Revoked", "revoked by spec.revoked", alreadyRevokedAt.orElse(now));
    }
    if (revokeAt.isPresent() && !now.isBefore(revokeAt.get())) {
      return new Decision(
          Kind.REVOKE,
          "RevokedOnSchedule",
          "revoked at spec.revokeAt " + revokeAt.get(),
          alreadyRevokedAt.orElse(now));
    }
    if (alreadyRevokedAt.isPresent()) {
      return new Decision(
          Kind.REVOKE,
          "RevocationFinal",
          "spec.revoked was set back to false, but revocation is final: the tokens stay revoked."
              + " Create a new ApiToken to get a new token",
          alreadyRevokedAt.get());
    }
    if (revokeAt.isPresent()) {
      return new Decision(
          Kind.SCHEDULED,
          "Scheduled",
          "the token will be revoked at " + revokeAt.get(),
          revokeAt.get());
    }
    return new Decision(Kind.NONE, "NotRevoked", "not revoked", null);
  }
}
