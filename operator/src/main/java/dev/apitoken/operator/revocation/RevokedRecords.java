package dev.apitoken.operator.revocation;

import dev.apitoken.format.status.StatusList;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The revoked issue records (forgotten ones included) by record shard: what the published lists are
 * computed from. Immutable; a change returns a new instance sharing the shards it did not touch,
 * and {@code this} when it changes nothing, so an unchanged input is the same object.
 */
public final class RevokedRecords {
  private static final RevokedRecords EMPTY = new RevokedRecords(new TreeMap<>());

  private final TreeMap<Long, IssueRecordShard> shards;

  private RevokedRecords(TreeMap<Long, IssueRecordShard> shards) {
    this.shards = shards;
  }

  public static RevokedRecords empty() {
    return EMPTY;
  }

  /** With the revoked ones of {@code records} added (merged by index); others are ignored. */
  public RevokedRecords with(Collection<IssueRecord> records) {
    Map<Long, List<IssueRecord>> byShard = new TreeMap<>();
    records.stream()
        .filter(IssueRecord::revoked)
        .forEach(
            r ->
                byShard
                    .computeIfAbsent(IndexSpace.recordShardOf(r.index()), k -> new ArrayList<>())
                    .add(r));
    TreeMap<Long, IssueRecordShard> next = null;
    for (var e : byShard.entrySet()) {
      IssueRecordShard before = shards.getOrDefault(e.getKey(), IssueRecordShard.EMPTY);
      IssueRecordShard after = before.with(e.getValue());
      if (after != before) {
        next = next == null ? new TreeMap<>(shards) : next;
        next.put(e.getKey(), after);
      }
    }
    return next == null ? this : new RevokedRecords(next);
  }

  /** Ages every shard ({@link IssueRecordShard#prune}). */
  public RevokedRecords prune(Instant now, Duration retention, Duration forgottenFor) {
    TreeMap<Long, IssueRecordShard> next = null;
    for (var e : shards.entrySet()) {
      IssueRecordShard pruned = e.getValue().prune(now, retention, forgottenFor);
      if (pruned != e.getValue()) {
        next = next == null ? new TreeMap<>(shards) : next;
        if (pruned.isEmpty()) {
          next.remove(e.getKey());
        } else {
          next.put(e.getKey(), pruned);
        }
      }
    }
    return next == null ? this : new RevokedRecords(next);
  }

  private IssueRecord get(long index) {
    IssueRecordShard shard = shards.get(IndexSpace.recordShardOf(index));
    return shard == null ? null : shard.get(index);
  }

  /** Revoked, or revoked and since forgotten by expiry: nothing more to record. */
  public boolean covers(long index) {
    return get(index) != null;
  }

  /** Whether {@code index} is published as revoked. */
  public boolean isRevoked(long index) {
    IssueRecord r = get(index);
    return r != null && r.isPublishedRevoked();
  }

  /** Number of revocations published (forgotten ones not counted). */
  public int size() {
    return (int)
        shards.values().stream()
            .flatMap(s -> s.records().stream())
            .filter(IssueRecord::isPublishedRevoked)
            .count();
  }

  /** The record shards whose indices fall in published shard {@code copyShard}. */
  public NavigableMap<Long, IssueRecordShard> inputsOf(int copyShard) {
    long first = copyShard * IndexSpace.COPY_SHARD_SIZE / IndexSpace.RECORD_SHARD_SIZE;
    long count = IndexSpace.COPY_SHARD_SIZE / IndexSpace.RECORD_SHARD_SIZE;
    return java.util.Collections.unmodifiableNavigableMap(
        shards.subMap(first, true, first + count, false));
  }

  /**
   * Published shard {@code copyShard} of the status list covering {@code [0, size)}: every index
   * revoked and not forgotten in that shard's range INVALID, everything else VALID (indices below
   * the range are zero and mean nothing; verifiers look an index up in its own shard).
   */
  public StatusList toStatusList(int copyShard, long size) {
    long from = copyShard * IndexSpace.COPY_SHARD_SIZE;
    long to = Math.min(size, from + IndexSpace.COPY_SHARD_SIZE);
    byte[] list = new byte[Math.toIntExact((Math.max(to, from) + 7) / 8)];
    for (IssueRecordShard shard : inputsOf(copyShard).values()) {
      for (IssueRecord r : shard.records()) {
        long index = r.index();
        if (r.isPublishedRevoked() && index >= from && index < to) {
          list[(int) (index >>> 3)] |= (byte) (1 << (index & 7));
        }
      }
    }
    return StatusList.ofBytes(1, list);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RevokedRecords that && shards.equals(that.shards);
  }

  @Override
  public int hashCode() {
    return shards.hashCode();
  }
}
