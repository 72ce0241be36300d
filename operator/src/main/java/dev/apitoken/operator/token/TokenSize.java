package dev.apitoken.operator.token;

import dev.apitoken.format.JwtJson;
import dev.apitoken.format.TokenClaims;
import java.time.Instant;

/**
 * How long a token for a {@link DesiredToken} can get, computed from the exact bytes {@link
 * JwtJson} writes with every variable part at its largest. A token longer than its verifiers accept
 * would be refused by every workload and reissued forever, so the operator refuses such a spec
 * before it signs anything.
 */
public final class TokenSize {

  /**
   * The longest token the operator issues: the verifier library's default limit ({@code
   * TokenVerifier.DEFAULT_MAX_TOKEN_LENGTH}), which also keeps it under the operator's own reader
   * limit of 16 KiB.
   */
  public static final int MAX_TOKEN_LENGTH = 8 * 1024;

  /** An RFC 7638 SHA-256 thumbprint in base64url, which is what every kid is. */
  private static final String LARGEST_KID = "k".repeat(43);

  /** A jti from {@link TokenIds#newJti}: 22 characters. */
  private static final String LARGEST_JTI = "j".repeat(22);

  /** NumericDate seconds stay at ten digits until the year 2286. */
  private static final Instant LARGEST_ISSUED_AT = Instant.ofEpochSecond(9_999_999_999L);

  private static final int SIGNATURE_LENGTH = base64UrlLength(Ed25519.SIGNATURE_SIZE);

  private TokenSize() {}

  /**
   * The length in characters of the longest token that {@code desired} can produce with this status
   * list URI, whatever its jti, index, kid and issue time.
   */
  public static int largestLength(DesiredToken desired, String statusUri) {
    TokenClaims largest =
        new TokenClaims(
            desired.issuer(),
            desired.subject(),
            desired.audiences(),
            desired.scopes(),
            LARGEST_ISSUED_AT,
            LARGEST_ISSUED_AT,
            LARGEST_ISSUED_AT.plus(desired.ttl()),
            LARGEST_JTI,
            Long.MAX_VALUE,
            statusUri);
    return base64UrlLength(JwtJson.writeHeader(LARGEST_KID).length)
        + 1
        + base64UrlLength(JwtJson.writePayload(largest).length)
        + 1
        + SIGNATURE_LENGTH;
  }

  /** Unpadded base64url: four characters per three bytes, rounded up. */
  static int base64UrlLength(int bytes) {
    return (bytes * 4 + 2) / 3;
  }
}
