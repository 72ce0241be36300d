package dev.apitoken.format;

import java.util.function.Function;

/**
 * A token read the one way every reader of the format reads it: split ({@link CompactJws}), the
 * header ({@link JwtJson#header}), the key its {@code kid} names, the signature, and only then the
 * payload ({@link JwtJson#payload}) with every required claim. A verifier goes on to issuer,
 * audience, the validity window and the status list; the operator reads its own tokens with this
 * alone, because renewing and revoking start from tokens that may have expired.
 */
public final class SignedJwt {
  /** Why a token could not be read; each step stops the reading. */
  public enum Problem {
    /** Not three canonical base64url parts, or a header that breaks the rules. */
    MALFORMED,
    /** No key with the header's kid. */
    UNKNOWN_KEY,
    /** The signature does not verify with that key, or the header's alg is not the key's. */
    BAD_SIGNATURE,
    /** Signed, but the payload breaks the rules or lacks a required claim. */
    MALFORMED_PAYLOAD
  }

  private final Problem problem;
  private final String headerKid;
  private final TrustedKey key;
  private final JwtJson.Payload payload;

  private SignedJwt(Problem problem, String headerKid, TrustedKey key, JwtJson.Payload payload) {
    this.problem = problem;
    this.headerKid = headerKid;
    this.key = key;
    this.payload = payload;
  }

  /**
   * Reads {@code token} (its characters as Latin-1; any other character becomes {@code '?'}, which
   * base64url refuses), verifying it with the key {@code keys} returns for its kid (null: none).
   * Never throws for any input.
   */
  public static SignedJwt read(byte[] token, Function<String, TrustedKey> keys) {
    CompactJws jws;
    JwtJson.Header header;
    try {
      jws = CompactJws.split(token);
      header = JwtJson.header(jws.header());
    } catch (MalformedException e) {
      return new SignedJwt(Problem.MALFORMED, null, null, null);
    }
    TrustedKey key = keys.apply(header.kid());
    if (key == null) {
      return new SignedJwt(Problem.UNKNOWN_KEY, header.kid(), null, null);
    }
    if (!jws.signedBy(key, header.alg())) {
      return new SignedJwt(Problem.BAD_SIGNATURE, header.kid(), key, null);
    }
    // Only an authenticated payload is parsed.
    JwtJson.Payload payload = new JwtJson.Payload();
    try {
      JwtJson.payload(jws.payload(), payload);
    } catch (MalformedException e) {
      return new SignedJwt(Problem.MALFORMED_PAYLOAD, header.kid(), key, payload);
    }
    if (!payload.hasRequiredClaims()) {
      return new SignedJwt(Problem.MALFORMED_PAYLOAD, header.kid(), key, payload);
    }
    return new SignedJwt(null, header.kid(), key, payload);
  }

  /** Why it could not be read; null when it was read and its signature verified. */
  public Problem problem() {
    return problem;
  }

  /** The kid the header names (untrusted text unless the token was read); null if malformed. */
  public String headerKid() {
    return headerKid;
  }

  /** The key that signed it, or whose signature check failed; null before that step. */
  public TrustedKey key() {
    return key;
  }

  /**
   * The claims read, possibly partial (for {@link Problem#MALFORMED_PAYLOAD}: what was read before
   * the problem); null before the payload step.
   */
  public JwtJson.Payload payload() {
    return payload;
  }
}
