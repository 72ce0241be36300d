package dev.apitoken.operator.revocation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The issue records of one block of {@link IndexSpace#RECORD_SHARD_SIZE} indices. Immutable. Two
 * versions of a shard merge by index ({@link IssueRecord#merge}): a revoked mark, once on either,
 * stays.
 */
public final class IssueRecordShard {
  static final String FORMAT = "apitoken.dev/issue-records-v1";
  static final String KEY_FORMAT = "format";
  static final String KEY_RECORDS = "records";

  public static final IssueRecordShard EMPTY = new IssueRecordShard(new TreeMap<>());

  private final TreeMap<Long, IssueRecord> byIndex;

  /**
   * Records by owner uid, built on the first {@link #forOwner} and kept: the shard never changes,
   * so a lookup costs one map access instead of a scan of the block, and a changed block (a new
   * shard) rebuilds only its own.
   */
  private volatile Map<String, List<IssueRecord>> byOwner;

  private IssueRecordShard(TreeMap<Long, IssueRecord> byIndex) {
    this.byIndex = byIndex;
  }

  public Collection<IssueRecord> records() {
    return Collections.unmodifiableCollection(byIndex.values());
  }

  public IssueRecord get(long index) {
    return byIndex.get(index);
  }

  public boolean isEmpty() {
    return byIndex.isEmpty();
  }

  /** The records of tokens issued for the ApiToken with this uid, in index order. */
  public List<IssueRecord> forOwner(String uid) {
    Map<String, List<IssueRecord>> index = byOwner;
    if (index == null) {
      Map<String, List<IssueRecord>> built = new HashMap<>();
      byIndex
          .values()
          .forEach(r -> built.computeIfAbsent(r.ownerUid(), k -> new ArrayList<>(1)).add(r));
      built.replaceAll((k, list) -> List.copyOf(list));
      index = built;
      byOwner = index;
    }
    return index.getOrDefault(uid, List.of());
  }

  /** One past the highest index recorded here (0 when none). */
  public long indexBound() {
    return byIndex.isEmpty() ? 0 : byIndex.lastKey() + 1;
  }

  /** The shard with {@code records} added; existing ones keep their owner, gain a revoked mark. */
  public IssueRecordShard with(Collection<IssueRecord> records) {
    TreeMap<Long, IssueRecord> next = null;
    for (IssueRecord r : records) {
      IssueRecord current = (next == null ? byIndex : next).get(r.index());
      IssueRecord merged = IssueRecord.merge(current, r);
      if (!Objects.equals(merged, current)) {
        if (next == null) {
          next = new TreeMap<>(byIndex);
        }
        next.put(r.index(), merged);
      }
    }
    return next == null ? this : new IssueRecordShard(next);
  }

  public IssueRecordShard union(IssueRecordShard other) {
    return other == this || other.isEmpty() ? this : isEmpty() ? other : with(other.records());
  }

  /**
   * Ages the records: one whose token expired more than {@code retention} before {@code now} is
   * dropped, or, if revoked, forgotten (no longer published); a forgotten one is dropped once
   * {@code forgottenFor} has passed after that too.
   */
  public IssueRecordShard prune(Instant now, Duration retention, Duration forgottenFor) {
    TreeMap<Long, IssueRecord> kept = null;
    for (IssueRecord r : byIndex.values()) {
      Instant dueAt = r.expiresAt().plus(retention);
      IssueRecord next =
          dueAt.isAfter(now)
              ? r
              : !r.revoked() || (r.forgotten() && !dueAt.plus(forgottenFor).isAfter(now))
                  ? null
                  : r.asForgotten();
      if (next != r) {
        if (kept == null) {
          kept = new TreeMap<>(byIndex);
        }
        if (next == null) {
          kept.remove(r.index());
        } else {
          kept.put(r.index(), next);
        }
      }
    }
    return kept == null ? this : new IssueRecordShard(kept);
  }

  public Map<String, String> encode() {
    StringBuilder lines = new StringBuilder();
    byIndex.values().forEach(r -> lines.append(r.toLine()).append('\n'));
    Map<String, String> data = new LinkedHashMap<>();
    data.put(KEY_FORMAT, FORMAT);
    data.put(KEY_RECORDS, lines.toString());
    return data;
  }

  /**
   * @throws IllegalArgumentException when the data is not this form
   */
  public static IssueRecordShard decode(Map<String, String> data) {
    if (data == null || !FORMAT.equals(data.get(KEY_FORMAT))) {
      throw new IllegalArgumentException("not an issue record shard");
    }
    String text = data.getOrDefault(KEY_RECORDS, "");
    TreeMap<Long, IssueRecord> records = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        IssueRecord r = IssueRecord.parseLine(line.strip());
        records.merge(r.index(), r, IssueRecord::merge);
      }
    }
    return new IssueRecordShard(records);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IssueRecordShard that && byIndex.equals(that.byIndex);
  }

  @Override
  public int hashCode() {
    return byIndex.hashCode();
  }
}
