package dev.apitoken.verifier;

import dev.apitoken.verifier.status.StatusList;
import dev.apitoken.verifier.status.StatusListDocument;
import dev.apitoken.verifier.status.StatusListFormatException;
import java.util.Map;
import java.util.TreeSet;

/**
 * Everything a verification trusts, read completely before it is used and never changed after: a
 * reload builds a new one and swaps a single reference, so a verification sees either the old keys
 * and list or the new ones, never a mix.
 */
final class TrustState {
  private final Map<String, TrustedKey> keys;
  private final StatusList statusList;
  private final String statusUri;

  private TrustState(Map<String, TrustedKey> keys, StatusList statusList, String statusUri) {
    this.keys = keys;
    this.statusList = statusList;
    this.statusUri = statusUri;
  }

  /**
   * Parses the trust documents.
   *
   * @param jwksJson the {@code jwks.json} content
   * @param statusListJson the {@code status-list.json} content, or null when there is none (every
   *     token is then {@link Rejection#STATUS_UNKNOWN})
   * @throws TrustLoadException when a document is malformed
   */
  static TrustState parse(String jwksJson, String statusListJson) {
    if (jwksJson == null) {
      throw new TrustLoadException("jwks.json is missing");
    }
    Map<String, TrustedKey> keys;
    try {
      keys = Jwks.parse(jwksJson);
    } catch (TrustLoadException e) {
      throw new TrustLoadException("jwks.json: " + e.getMessage(), e);
    }
    if (statusListJson == null) {
      return new TrustState(keys, null, null);
    }
    try {
      StatusListDocument document = StatusListDocument.parse(statusListJson);
      return new TrustState(keys, document.statusList(), document.uri());
    } catch (StatusListFormatException e) {
      throw new TrustLoadException("status-list.json: " + e.getMessage(), e);
    }
  }

  TrustedKey key(String kid) {
    return keys.get(kid);
  }

  /** The loaded status list, or null when none is loaded. */
  StatusList statusList() {
    return statusList;
  }

  /** The loaded status list's URI, or null when none is loaded. */
  String statusUri() {
    return statusUri;
  }

  /** For logs: which keys and list are loaded. */
  String describe() {
    return "keys "
        + new TreeSet<>(keys.keySet())
        + (statusList == null
            ? ", no status list"
            : ", status list " + statusUri + " (" + statusList.size() + " entries)");
  }
}
