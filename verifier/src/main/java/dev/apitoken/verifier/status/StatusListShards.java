package dev.apitoken.verifier.status;

/**
 * How the status list is split into files once one ConfigMap cannot hold it: the index space is cut
 * into {@link #MAX_SHARDS} shards of {@link #SHARD_SIZE} indices. Shard 0 is {@code
 * status-list.json}; shard {@code k >= 1} is {@code status-list-<k>.json}, published in its own
 * ConfigMap {@code <trust>-<k>}. Every shard file is a {@link StatusListDocument} indexed by the
 * global index: its list covers {@code [0, end)} with {@code end <= (k + 1) * SHARD_SIZE}, and the
 * bits below {@code k * SHARD_SIZE} are zero and mean nothing.
 */
public final class StatusListShards {
  /** Indices per shard: 2^21. */
  public static final long SHARD_SIZE = 1L << 21;

  /** Shards 0 to 15; no more ever exist. */
  public static final int MAX_SHARDS = 16;

  /** 33,554,432: an index at or above it never exists. */
  public static final long INDEX_LIMIT = SHARD_SIZE * MAX_SHARDS;

  /** The file of shard 0. */
  public static final String FIRST_FILE = "status-list.json";

  private StatusListShards() {}

  /** The shard that holds {@code idx}, or -1 when {@code idx} is negative or beyond the last. */
  public static int shardOf(long idx) {
    return idx < 0 || idx >= INDEX_LIMIT ? -1 : (int) (idx / SHARD_SIZE);
  }

  /** {@code status-list.json} for shard 0, {@code status-list-<k>.json} for shard k. */
  public static String fileName(int shard) {
    if (shard < 0 || shard >= MAX_SHARDS) {
      throw new IllegalArgumentException("no shard " + shard);
    }
    return shard == 0 ? FIRST_FILE : "status-list-" + shard + ".json";
  }
}
