package dev.apitoken.operator.token;

import java.time.Instant;
import java.util.Objects;

/**
 * What status records about the token issued last; the token itself is never stored there.
 *
 * @param jti the token's id
 * @param tokenHash {@link SignedToken#sha256()} of the token
 * @param expiresAt the token's {@code exp}
 */
public record LastIssued(String jti, String tokenHash, Instant expiresAt) {

  public LastIssued {
    Objects.requireNonNull(jti, "jti");
    Objects.requireNonNull(tokenHash, "tokenHash");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  public static LastIssued of(SignedToken token) {
    return new LastIssued(token.claims().jti(), token.sha256(), token.claims().expiresAt());
  }
}
