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
public record IssuedRecord(String jti, String tokenHash, Instant expiresAt) {

  public IssuedRecord {
    Objects.requireNonNull(jti, "jti");
    Objects.requireNonNull(tokenHash, "tokenHash");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  public static IssuedRecord of(SignedToken token) {
    return new IssuedRecord(token.claims().jti(), token.sha256(), token.claims().expiresAt());
  }
}
