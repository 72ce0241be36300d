package dev.apitoken.verifier;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.UntrustedText;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link TokenVerifier#verify(String)}: {@link Accepted} with the verified claims,
 * or {@link Rejected} with a reason. A verdict never holds the token itself, so it can be logged.
 */
public sealed interface Verdict permits Verdict.Accepted, Verdict.Rejected {

  /** Whether the token was accepted. */
  boolean isAccepted();

  /** The reason of a rejection; empty when accepted. */
  Optional<Rejection> rejection();

  /** The token's {@code jti}, or null when it was rejected before its claims were read. */
  String jti();

  /** The token's {@code sub}, or null when it was rejected before its claims were read. */
  String subject();

  /**
   * The header's {@code kid}, or null when it was rejected before the header was read. For {@link
   * Rejection#UNKNOWN_KEY} it names no trusted key, so anyone could have chosen it: it is then
   * passed through {@link UntrustedText#escape(String)} (bounded, printable ASCII) before it gets
   * here.
   */
  String kid();

  /**
   * An accepted token.
   *
   * @param claims the verified claims
   * @param kid the id of the key that verified the signature
   */
  record Accepted(TokenClaims claims, String kid) implements Verdict {
    public Accepted {
      Objects.requireNonNull(claims, "claims");
      Objects.requireNonNull(kid, "kid");
    }

    @Override
    public boolean isAccepted() {
      return true;
    }

    @Override
    public Optional<Rejection> rejection() {
      return Optional.empty();
    }

    @Override
    public String jti() {
      return claims.jti();
    }

    @Override
    public String subject() {
      return claims.subject();
    }
  }

  /**
   * A rejected token. Claims are filled in only when they were read from a payload whose signature
   * had verified, so they can be trusted for auditing.
   *
   * @param reason why the token was rejected
   * @param kid the header's {@code kid}, or null
   * @param jti the token's {@code jti}, or null
   * @param subject the token's {@code sub}, or null
   */
  record Rejected(Rejection reason, String kid, String jti, String subject) implements Verdict {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public boolean isAccepted() {
      return false;
    }

    @Override
    public Optional<Rejection> rejection() {
      return Optional.of(reason);
    }
  }
}
