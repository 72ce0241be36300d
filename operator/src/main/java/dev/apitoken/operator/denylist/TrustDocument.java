package dev.apitoken.operator.denylist;

import dev.apitoken.verifier.status.StatusListDocument;
import java.util.Map;
import java.util.TreeMap;

/**
 * The files of the trust ConfigMap a workload mounts: public keys and the status list. Same state,
 * same bytes.
 */
public final class TrustDocument {
  public static final String JWKS_KEY = "jwks.json";
  public static final String STATUS_LIST_KEY = "status-list.json";

  private TrustDocument() {}

  public static Map<String, String> compose(
      String jwksJson, RevocationLedger ledger, long reservedUpTo, String statusListUri) {
    Map<String, String> files = new TreeMap<>();
    files.put(JWKS_KEY, jwksJson);
    files.put(
        STATUS_LIST_KEY,
        StatusListDocument.of(
                ledger.toStatusList(StatusListSizing.publishedSize(reservedUpTo)), statusListUri)
            .toJson());
    return files;
  }
}
