package dev.apitoken.format;

import dev.apitoken.format.status.StatusListShards;

/**
 * The names of the files in a trust directory (the keys of the trust ConfigMaps): what the operator
 * writes and every verifier reads. Shard 0 sits with the keys; shard {@code k >= 1} in its own
 * ConfigMap. docs/TRUST-FORMAT.md describes each file.
 */
public final class TrustFiles {
  /** The public keys. */
  public static final String JWKS = "jwks.json";

  /** Shard 0 of the status list, unsigned. */
  public static final String STATUS_LIST = "status-list.json";

  /** Shard 0 of the status list as a signed Status List Token. */
  public static final String STATUS_LIST_TOKEN = "status-list.jwt";

  private TrustFiles() {}

  /** {@code status-list.json} for shard 0, {@code status-list-<k>.json} for shard k. */
  public static String statusList(int shard) {
    return shard == 0 ? STATUS_LIST : "status-list-" + checked(shard) + ".json";
  }

  /** {@code status-list.jwt} for shard 0, {@code status-list-<k>.jwt} for shard k. */
  public static String statusListToken(int shard) {
    return shard == 0 ? STATUS_LIST_TOKEN : "status-list-" + checked(shard) + ".jwt";
  }

  private static int checked(int shard) {
    if (shard < 0 || shard >= StatusListShards.MAX_SHARDS) {
      throw new IllegalArgumentException("no shard " + shard);
    }
    return shard;
  }
}
