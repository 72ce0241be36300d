package dev.apitoken.operator.revocation;

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

  /** Why the decision is what it is; the reconciler maps each cause to a condition reason. */
  public enum Cause {
    /** Neither spec.revoked nor spec.revokeAt asks for a revocation, and none was recorded. */
    NOT_REQUESTED(Kind.NONE),
    /** spec.revokeAt lies ahead. */
    REVOKE_AT_AHEAD(Kind.SCHEDULED),
    /** spec.revoked is true. */
    SPEC_REVOKED(Kind.REVOKE),
    /** spec.revokeAt has been reached. */
    REVOKE_AT_REACHED(Kind.REVOKE),
    /** A revocation was recorded and the spec no longer asks for it: it stays, being final. */
    FINAL(Kind.REVOKE);

    private final Kind kind;

    Cause(Kind kind) {
      this.kind = kind;
    }
  }

  /**
   * @param at when the tokens were (or are to be) revoked; null for {@link Cause#NOT_REQUESTED}
   */
  public record Decision(Cause cause, String message, Instant at) {
    public Kind kind() {
      return cause.kind;
    }
  }

  public static Decision decide(
      boolean revokedFlag,
      Optional<Instant> revokeAt,
      Optional<Instant> alreadyRevokedAt,
      Instant now) {
    if (revokedFlag) {
      return new Decision(
          Cause.SPEC_REVOKED, "revoked by spec.revoked", alreadyRevokedAt.orElse(now));
    }
    if (revokeAt.isPresent() && !now.isBefore(revokeAt.get())) {
      return new Decision(
          Cause.REVOKE_AT_REACHED,
          "revoked at spec.revokeAt " + revokeAt.get(),
          alreadyRevokedAt.orElse(now));
    }
    if (alreadyRevokedAt.isPresent()) {
      return new Decision(
          Cause.FINAL,
          "spec.revoked was set back to false, but revocation is final: the tokens stay revoked."
              + " Create a new ApiToken to get a new token",
          alreadyRevokedAt.get());
    }
    if (revokeAt.isPresent()) {
      return new Decision(
          Cause.REVOKE_AT_AHEAD, "the token will be revoked at " + revokeAt.get(), revokeAt.get());
    }
    return new Decision(Cause.NOT_REQUESTED, "not revoked", null);
  }
}
