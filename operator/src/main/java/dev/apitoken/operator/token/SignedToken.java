package dev.apitoken.operator.token;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.TokenHash;
import java.util.Objects;

/**
 * A signed token and what it says.
 *
 * @param value the JWS compact serialization; a bearer credential, never printed
 * @param claims the claims the token carries
 * @param kid the id of the key that signed it
 */
public record SignedToken(String value, TokenClaims claims, String kid) {

  public SignedToken {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(claims, "claims");
    Objects.requireNonNull(kid, "kid");
  }

  /**
   * Base64url (no padding) of the SHA-256 of the token's ASCII bytes: safe to store in status and
   * compare with what a Secret holds, without keeping the token itself.
   */
  public String sha256() {
    return sha256Of(value);
  }

  /**
   * The same hash as {@link #sha256()} for any token string, e.g. the one found in a Secret. Hashes
   * UTF-8, which equals ASCII for every real token, so that non-ASCII garbage is not folded into
   * {@code ?} characters and cannot collide with another value.
   */
  public static String sha256Of(String tokenValue) {
    return TokenHash.of(tokenValue);
  }

  @Override
  public String toString() {
    return "SignedToken[value=<redacted>, sha256="
        + sha256()
        + ", kid="
        + kid
        + ", claims="
        + claims
        + "]";
  }
}
