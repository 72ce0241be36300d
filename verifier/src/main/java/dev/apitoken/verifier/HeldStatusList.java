package dev.apitoken.verifier;

import dev.apitoken.format.status.StatusList;

/**
 * A status list the verifier holds for one URI, with where it came from.
 *
 * @param uri the URI tokens name ({@code sub} of a Status List Token)
 * @param list the decoded bits (possibly one shard's part only)
 * @param issuedAt {@code iat} in seconds; -1 for an unsigned {@code status-list.json}
 * @param expiresAt {@code exp} in seconds; -1 for an unsigned list, which never goes stale
 * @param source for logs and health: a file name or a URL
 */
record HeldStatusList(String uri, StatusList list, long issuedAt, long expiresAt, String source) {

  boolean signed() {
    return expiresAt >= 0;
  }

  /** At or past exp, or (maxAgeMillis >= 0) issued more than maxAgeMillis before nowMillis. */
  boolean isStale(long nowMillis, long maxAgeMillis) {
    return signed()
        && (nowMillis >= expiresAt * 1000
            || (maxAgeMillis >= 0 && nowMillis - issuedAt * 1000 > maxAgeMillis));
  }

  /** Whichever of two lists for the same URI is newer by iat; {@code a} on a tie. */
  static HeldStatusList newer(HeldStatusList a, HeldStatusList b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return b.issuedAt > a.issuedAt ? b : a;
  }
}
