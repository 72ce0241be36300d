package dev.apitoken.verifier;

import dev.apitoken.format.status.StatusList;

/**
 * A signed status list the verifier holds for one URI, with where it came from.
 *
 * @param uri the URI tokens name ({@code sub} of the Status List Token)
 * @param list the decoded bits (possibly one shard's part only)
 * @param version {@code ver}, the publication version (0 when the list has none)
 * @param issuedAt {@code iat} in seconds
 * @param expiresAt {@code exp} in seconds
 * @param kid the key that signed it: the list counts only while the trusted JWKS holds it
 * @param source for logs and health: a file name or a URL
 */
record HeldStatusList(
    String uri,
    StatusList list,
    long version,
    long issuedAt,
    long expiresAt,
    String kid,
    String source) {

  /** At or past exp, or (maxAgeMillis >= 0) issued more than maxAgeMillis before nowMillis. */
  boolean isStale(long nowMillis, long maxAgeMillis) {
    return nowMillis >= freshUntilMillis(maxAgeMillis);
  }

  /** The first instant, in milliseconds, at which the list is stale. */
  long freshUntilMillis(long maxAgeMillis) {
    long expires = expiresAt * 1000;
    return maxAgeMillis < 0 ? expires : Math.min(expires, issuedAt * 1000 + maxAgeMillis + 1);
  }

  /** Whether the list holds a status for {@code idx}. */
  boolean covers(long idx) {
    return idx >= list.firstIndex() && idx < list.size();
  }
}
