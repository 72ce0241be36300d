package dev.apitoken.format.status;

/**
 * How the status list is split into files once one ConfigMap cannot hold it: the index space is cut
 * into {@link #MAX_SHARDS} shards of {@link #SHARD_SIZE} indices, each in its own files ({@link
 * dev.apitoken.format.TrustFiles#statusList(int)}). Every shard file is a {@link
 * StatusListDocument} indexed by the global index: its list covers {@code [0, end)} with {@code end
 * <= (k + 1) * SHARD_SIZE}, and the bits below {@code k * SHARD_SIZE} are zero and mean nothing.
 */
public final class StatusListShards {
  /** Indices per shard: 2^21. */
  public static final long SHARD_SIZE = 1L << 21;

  /** Shards 0 to 15; no more ever exist. */
  public static final int MAX_SHARDS = 16;

  /** 33,554,432: an index at or above it never exists. */
  public static final long INDEX_LIMIT = SHARD_SIZE * MAX_SHARDS;

  private StatusListShards() {}

  /** The shard that holds {@code idx}, or -1 when {@code idx} is negative or beyond the last. */
  public static int shardOf(long idx) {
    return idx < 0 || idx >= INDEX_LIMIT ? -1 : (int) (idx / SHARD_SIZE);
  }
}
