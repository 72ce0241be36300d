package dev.apitoken.operator.token;

import dev.apitoken.format.status.StatusListShards;

/**
 * Where each shard of the status list is published: shard 0 at the configured status list URI (so
 * every token issued before sharding stays valid), shard {@code k >= 1} at {@code <uri>/<k>}.
 */
public final class StatusListUris {
  private StatusListUris() {}

  /** The URI of shard {@code shard} of the list configured at {@code base}. */
  public static String ofShard(String base, int shard) {
    if (shard < 0 || shard >= StatusListShards.MAX_SHARDS) {
      throw new IllegalArgumentException("no shard " + shard);
    }
    return shard == 0 ? base : base + "/" + shard;
  }

  /** The URI of the shard that holds index {@code idx}. */
  public static String ofIndex(String base, long idx) {
    int shard = StatusListShards.shardOf(idx);
    if (shard < 0) {
      throw new IllegalArgumentException("index " + idx + " is outside the status list");
    }
    return ofShard(base, shard);
  }
}
