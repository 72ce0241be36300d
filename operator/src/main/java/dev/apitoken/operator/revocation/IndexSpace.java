package dev.apitoken.operator.revocation;

import dev.apitoken.format.status.StatusListShards;
import java.time.Duration;

/**
 * How the status-list index space is cut into objects, and how long a revocation is kept. Every
 * piece of revocation state is sharded by index block so that no object comes near the API server's
 * 1 MiB limit, however many tokens are issued or revoked (docs/REVOCATION-STATE.md has the sizes).
 */
public final class IndexSpace {
  private IndexSpace() {}

  /** Indices per published status-list shard: the verifier's layout, one ConfigMap per shard. */
  public static final long COPY_SHARD_SIZE = StatusListShards.SHARD_SIZE;

  /** Published shards at most. */
  public static final int MAX_COPY_SHARDS = StatusListShards.MAX_SHARDS;

  /** Indices that can ever exist; an index at or beyond it is never issued. */
  public static final long CAPACITY = StatusListShards.INDEX_LIMIT;

  /** Indices per shard of the revocation store: a record line is at most ~400 bytes. */
  public static final int RECORD_SHARD_SIZE = 1 << 10;

  /** Warn (log, metric) once this share of the index space is allocated. */
  public static final double WARN_RATIO = 0.8;

  /** The largest clock-skew leeway a verifier may allow (the verifier library refuses more). */
  public static final Duration MAX_VERIFIER_LEEWAY = Duration.ofHours(1);

  /** Time for a change to reach every mounted copy (kubelet sync plus cache TTL, with margin). */
  public static final Duration PROPAGATION_MARGIN = Duration.ofMinutes(10);

  /**
   * A revoked token may be forgotten only this long after it expires: until then some verifier may
   * still accept it by its expiry alone.
   */
  public static final Duration RETENTION_AFTER_EXPIRY =
      MAX_VERIFIER_LEEWAY.plus(PROPAGATION_MARGIN);

  public static long recordShardOf(long index) {
    return index / RECORD_SHARD_SIZE;
  }

  public static int copyShardOf(long index) {
    return StatusListShards.shardOf(index);
  }
}
