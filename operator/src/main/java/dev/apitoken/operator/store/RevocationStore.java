package dev.apitoken.operator.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.runtime.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one authoritative revocation store: an {@link IssueRecord} for every index issued and not
 * long expired, by block of {@link IndexSpace#RECORD_SHARD_SIZE} indices ({@code
 * <trust>-issued-<n>} in the operator namespace). A record is stored before its token is released,
 * and marked revoked before a revocation is reported; a revoked index with no record (recovered
 * from our own signed lists) gets one with its owner unknown. Shards are written by one {@link
 * ShardedStore}, which puts concurrent changes of a shard into one write.
 */
public final class RevocationStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RevocationStore.class);

  private final Clock clock;
  private final Duration forgottenFor;
  private final Runnable onChange;
  private final ShardedStore shards;

  /** Stored shard instances already merged into {@link #durable} (shards are immutable). */
  private final Map<Long, IssueRecordShard> mergedStored = new HashMap<>();

  /**
   * The revocations known to be stored (in a shard as written or read by this process, or in our
   * signed lists they were recovered from), never shrinking but by expiry: what may be published. A
   * revocation still being written is not in it, so no copy shows a bit a crash could lose, and a
   * shard deleted or rolled back takes nothing back from it.
   */
  private volatile RevokedRecords durable = RevokedRecords.empty();

  private volatile BiConsumer<String, Integer> onDisagreement = (source, missing) -> {};

  /**
   * @param maxTtl the longest token lifetime: a revoked record is kept this long (plus the
   *     retention) after it was forgotten, while one of our older signed lists may still show it
   * @param onChange told when what may be published changed
   * @param scheduling runs the shard writer (the model test's single thread)
   */
  public RevocationStore(
      ConfigMapApi api,
      String namespace,
      String prefix,
      Clock clock,
      Duration maxTtl,
      Fence fence,
      OperatorMetrics metrics,
      Runnable onChange,
      Scheduling scheduling) {
    this.clock = clock;
    this.forgottenFor = maxTtl.plus(IndexSpace.RETENTION_AFTER_EXPIRY);
    this.onChange = onChange;
    this.shards =
        new ShardedStore(api, namespace, prefix, fence, metrics, this::refresh, scheduling);
  }

  public void start() {
    shards.start().forEach(this::refresh);
    LOG.info(
        "{} {} {} {}",
        kv("event", "revocation_store_loaded"),
        kv("shards", shards.wantedAll().size()),
        kv("records", all().size()),
        kv("revoked", durable.size()));
  }

  /** Merges what a shard holds as stored into {@link #durable}. */
  private void refresh(long shard) {
    boolean changed;
    synchronized (mergedStored) {
      IssueRecordShard stored = shards.stored(shard);
      if (mergedStored.put(shard, stored) == stored) {
        return;
      }
      RevokedRecords next = durable.with(stored.records());
      changed = next != durable;
      durable = next;
    }
    if (changed) {
      onChange.run();
    }
  }

  /** Completes once every record is stored (at once when they already are). */
  public CompletableFuture<Void> record(Collection<IssueRecord> records) {
    Map<Long, List<IssueRecord>> byShard = new TreeMap<>();
    records.forEach(
        r ->
            byShard
                .computeIfAbsent(IndexSpace.recordShardOf(r.index()), k -> new ArrayList<>())
                .add(r));
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    byShard.forEach((k, list) -> writes.add(shards.update(k, s -> s.with(list))));
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /** Completes once every token is stored as revoked. */
  public CompletableFuture<Void> revoke(Collection<IssueRecord> tokens) {
    return record(tokens.stream().map(IssueRecord::asRevoked).toList());
  }

  /**
   * Adds the revocations that a stored source of ours ({@code source}: our verified signed lists)
   * shows and the store lacks, with the recorded expiry, or {@code unknownExpiry} for an index
   * without a record. A bit is cleared only by provable expiry, never by its absence from a source.
   *
   * @return how many revocations were missing here
   */
  public int absorb(BitSet bits, String source, Instant unknownExpiry) {
    List<IssueRecord> shown = new ArrayList<>();
    bits.stream()
        .forEach(
            i -> {
              IssueRecord r = get(i);
              shown.add(r == null ? IssueRecord.revokedUnowned(i, unknownExpiry) : r.asRevoked());
            });
    // Shown by a stored object: publishing them more widely can take nothing back.
    boolean published;
    synchronized (mergedStored) {
      RevokedRecords before = durable;
      durable = durable.with(shown.stream().filter(r -> !durable.covers(r.index())).toList());
      published = durable != before;
    }
    if (published) {
      onChange.run();
    }
    List<IssueRecord> missing = shown.stream().filter(r -> !isCovered(r.index())).toList();
    if (missing.isEmpty()) {
      return 0;
    }
    LOG.warn(
        "{} {} {} {}",
        kv("event", "revocation_source_disagrees"),
        kv("source", source),
        kv("missing_in_store", missing.size()),
        kv("action", "restoring_revocations"));
    revoke(missing);
    onDisagreement.accept(source, missing.size());
    return missing.size();
  }

  /** Where disagreements are reported besides the log (an Event for people). */
  public void onDisagreement(BiConsumer<String, Integer> listener) {
    this.onDisagreement = listener;
  }

  /** What may be published: the revocations known to be stored. */
  public RevokedRecords durable() {
    return durable;
  }

  private IssueRecord get(long index) {
    return shards.wanted(IndexSpace.recordShardOf(index)).get(index);
  }

  /** Whether a record of this index exists (in memory: stored, or being stored). */
  public boolean has(long index) {
    return get(index) != null;
  }

  /** Whether this index is revoked here (stored or being stored) and not yet forgotten. */
  public boolean isRevoked(long index) {
    IssueRecord r = get(index);
    return r != null && r.isPublishedRevoked();
  }

  private boolean isCovered(long index) {
    IssueRecord r = get(index);
    return r != null && r.revoked();
  }

  /** Every record of tokens issued for the ApiToken with this uid, in index order. */
  public List<IssueRecord> forOwner(String uid) {
    List<IssueRecord> owned = new ArrayList<>();
    shards.wantedAll().values().forEach(s -> owned.addAll(s.forOwner(uid)));
    return owned;
  }

  public List<IssueRecord> all() {
    List<IssueRecord> all = new ArrayList<>();
    shards.wantedAll().values().forEach(s -> all.addAll(s.records()));
    return all;
  }

  /** One past the highest recorded index (0 when none). */
  public long indexBound() {
    return shards.wantedAll().values().stream()
        .mapToLong(IssueRecordShard::indexBound)
        .max()
        .orElse(0);
  }

  /** Forgets revocations, then records, of tokens expired longer ago than any verifier accepts. */
  public void prune() {
    Instant now = clock.instant();
    synchronized (mergedStored) {
      durable = durable.prune(now, IndexSpace.RETENTION_AFTER_EXPIRY, forgottenFor);
    }
    for (Long k : shards.wantedAll().keySet()) {
      shards.update(k, s -> s.prune(now, IndexSpace.RETENTION_AFTER_EXPIRY, forgottenFor));
    }
  }

  /** Shards with changes not yet stored. */
  public int pendingShards() {
    return shards.pendingShards();
  }

  /** Re-reads every shard and repairs what differs. */
  public void resync() {
    shards.resync();
  }

  /** Why the shards holding these indices are not yet written, if they failed. */
  public Optional<ShardedStore.Failure> failure(Collection<Long> indices) {
    return indices.stream()
        .map(IndexSpace::recordShardOf)
        .distinct()
        .map(shards::failure)
        .flatMap(Optional::stream)
        .findFirst();
  }

  @Override
  public void close() {
    shards.close();
  }
}
