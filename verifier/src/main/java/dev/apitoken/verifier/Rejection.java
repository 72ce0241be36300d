package dev.apitoken.verifier;

/**
 * Why a token was rejected. The verifier checks in the order of the constants, except that the
 * payload is parsed (and can be {@link #MALFORMED}) only after its signature has verified, a token
 * without a {@code status} claim is {@link #STATUS_UNKNOWN} before its list is looked up, and a
 * list that is stale but marks the token revoked says {@link #REVOKED} (a revocation is final, so
 * even a stale list proves it).
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
   * The verifier holds no usable status list for the token's {@code status.status_list.uri}: no
   * {@code status-list.jwt} / {@code status-list-<k>.jwt} with that {@code sub} in the trust
   * directory, nothing fetched from that URI yet, or only an unsigned {@code status-list.json}
   * while unsigned lists are not allowed. (An HTTP verifier starts following a URI of its trust
   * origin the first time a token names it, so the next verification may succeed.)
   */
  STATUS_LIST_MISSING,
  /**
   * The token's status cannot be looked up: it has no {@code status} claim, or its index is not
   * covered by the list of its URI (the list ends before it, or it lies in another shard; an index
   * of 33,554,432 or more has no shard at all), or an unsigned shard file has another URI.
   */
  STATUS_UNKNOWN,
  /** The status list marks the token as anything other than VALID. */
  REVOKED,
  /**
   * The status list of the token's URI says VALID but is stale: at or past its {@code exp}, or
   * issued longer ago than the verifier's maximum status list age. The verifier fails closed until
   * a fresh signed list arrives (from the mounted directory or over HTTP).
   */
  STATUS_STALE
}
