package dev.apitoken.operator.revocation;

import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.status.StatusListDocument;
import java.util.Map;
import java.util.TreeMap;

/**
 * The files workloads mount: public keys and the status list, the list cut into shards of {@link
 * IndexSpace#COPY_SHARD_SIZE} indices. Shard 0 sits with {@code jwks.json} in the ConfigMap named
 * {@code <trust>}; shard k in {@code <trust>-k} as {@code status-list-k.json}. Same state, same
 * bytes. Each shard's ConfigMap also carries the signed Status List Token of the same bits ({@code
 * status-list.jwt}, {@code status-list-k.jwt}), added by the publisher, which holds the key.
 */
public final class TrustDocument {
  public static final String JWKS_KEY = TrustFiles.JWKS;
  public static final String STATUS_LIST_KEY = TrustFiles.STATUS_LIST;

  private TrustDocument() {}

  /** The file holding status-list shard {@code shard}. */
  public static String statusListKey(int shard) {
    return TrustFiles.statusList(shard);
  }

  /** The file holding the signed Status List Token of shard {@code shard}. */
  public static String statusListTokenKey(int shard) {
    return TrustFiles.statusListToken(shard);
  }

  /** The URI shard {@code shard}'s list is published at, as its files and tokens name it. */
  public static String shardUri(String statusListUri, int shard) {
    return dev.apitoken.operator.token.StatusListUris.ofShard(statusListUri, shard);
  }

  /** The ConfigMap holding shard {@code shard}. */
  public static String configMapName(String trustName, int shard) {
    return shard == 0 ? trustName : trustName + "-" + shard;
  }

  /** The shard a ConfigMap of ours holds, or -1 when the name is not one of them. */
  public static int shardOf(String trustName, String configMapName) {
    if (configMapName.equals(trustName)) {
      return 0;
    }
    String prefix = trustName + "-";
    if (!configMapName.startsWith(prefix)) {
      return -1;
    }
    String number = configMapName.substring(prefix.length());
    if (number.isEmpty() || number.length() > 2 || !number.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    int shard = Integer.parseInt(number);
    return shard >= 1
            && shard < IndexSpace.MAX_COPY_SHARDS
            && number.equals(Integer.toString(shard))
        ? shard
        : -1;
  }

  /**
   * Indices published ahead of allocation: far more than are issued between two publishes. The
   * draft tells verifiers to reject an index outside the list, and workloads read a copy that may
   * be minutes old, so the list already covers indices about to be issued; zeros compress to almost
   * nothing.
   */
  public static final long HEADROOM = 1L << 16;

  /**
   * How many indices the list published for {@code reservedUpTo} covers: at least {@link #HEADROOM}
   * beyond it, in steps of {@link #HEADROOM}.
   */
  public static long coverage(long reservedUpTo) {
    long wanted = reservedUpTo + HEADROOM;
    return Math.min(IndexSpace.CAPACITY, (wanted + HEADROOM - 1) / HEADROOM * HEADROOM);
  }

  /** Number of shards published for that coverage. */
  public static int shards(long coverage) {
    return (int)
        Math.max(1, (coverage + IndexSpace.COPY_SHARD_SIZE - 1) / IndexSpace.COPY_SHARD_SIZE);
  }

  /** The data of the ConfigMap holding shard {@code shard}. */
  public static Map<String, String> shard(
      int shard, String jwksJson, RevokedRecords revoked, long coverage, String statusListUri) {
    Map<String, String> files = new TreeMap<>();
    if (shard == 0) {
      files.put(JWKS_KEY, jwksJson);
    }
    files.put(
        statusListKey(shard),
        StatusListDocument.of(revoked.toStatusList(shard, coverage), shardUri(statusListUri, shard))
            .toJson());
    return files;
  }

  /** Shard 0's files (keys and the first status-list shard), the whole document when small. */
  public static Map<String, String> compose(
      String jwksJson, RevokedRecords revoked, long reservedUpTo, String statusListUri) {
    return shard(0, jwksJson, revoked, coverage(reservedUpTo), statusListUri);
  }
}
