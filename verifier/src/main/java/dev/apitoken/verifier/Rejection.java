package dev.apitoken.verifier;

/**
 * Why a token was rejected. The verifier checks in the order of the constants, except that the
 * payload is parsed (and can be {@link #MALFORMED}) only after its signature has verified.
 */
public enum Rejection {
  /** Longer than the verifier's maximum token length; nothing of it was parsed. */
  TOO_LARGE,
  /**
   * Not a token of our format: not three non-empty canonical base64url parts, a header or payload
   * that is not strict JSON (duplicate members, wrong member types, missing required claims), or an
   * unexpected failure while verifying.
   */
  MALFORMED,
  /** The header's {@code kid} names no key of the trusted JWKS. */
  UNKNOWN_KEY,
  /**
   * The signature does not verify with the key named by {@code kid}, or the header's {@code alg} is
   * not the key's algorithm (EdDSA).
   */
  BAD_SIGNATURE,
  /** {@code iss} is not the expected issuer. */
  WRONG_ISSUER,
  /** An audience is expected and {@code aud} does not contain it. */
  WRONG_AUDIENCE,
  /** The current time is at or after {@code exp} plus the leeway. */
  EXPIRED,
  /** The current time is before {@code nbf} minus the leeway. */
  NOT_YET_VALID,
  /**
   * The token's status cannot be looked up: it has no {@code status} claim, or the status list file
   * of the shard that holds its index is absent, has another URI, or ends before the index (an
   * index of 33,554,432 or more has no shard at all).
   */
  STATUS_UNKNOWN,
  /** The status list marks the token as anything other than VALID. */
  REVOKED
}
