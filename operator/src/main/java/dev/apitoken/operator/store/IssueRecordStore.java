package dev.apitoken.operator.store;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.IssueRecordShard;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Every token issued and not long expired, by index block ({@code <trust>-issued-<n>}) in the
 * operator's namespace: written before a token reaches its Secret, so that an ApiToken's tokens can
 * be found by its uid whatever its status says, and tokens whose ApiToken vanished can be revoked.
 */
public final class IssueRecordStore implements AutoCloseable {
  static final String COMPONENT = "issue-records";

  private final Clock clock;
  private final ShardedStore<IssueRecordShard> shards;

  public IssueRecordStore(
      ConfigMapApi api,
      String namespace,
      String prefix,
      Clock clock,
      Fence fence,
      ShardedStore.Listener listener) {
    this(api, namespace, prefix, clock, fence, listener, Scheduling.THREADS);
  }

  /** With the shard writer run by {@code scheduling} (the model test's single thread). */
  public IssueRecordStore(
      ConfigMapApi api,
      String namespace,
      String prefix,
      Clock clock,
      Fence fence,
      ShardedStore.Listener listener,
      Scheduling scheduling) {
    this.clock = clock;
    this.shards =
        new ShardedStore<>(
            api,
            namespace,
            prefix,
            COMPONENT,
            "Tokens issued by the ApiToken operator (index, expiry, owner uid), for revocation."
                + " Do not edit: the operator restores it.",
            ShardedStore.Codec.of(
                IssueRecordShard.EMPTY,
                IssueRecordShard::decode,
                IssueRecordShard::encode,
                IssueRecordShard::union,
                IssueRecordShard::isEmpty),
            fence,
            listener,
            () -> {},
            scheduling);
  }

  public void start() {
    shards.start();
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

  /** Whether a record of this index exists (in memory: stored, or being stored). */
  public boolean has(long index) {
    return shards.wanted(IndexSpace.recordShardOf(index)).get(index) != null;
  }

  /** Every record of tokens issued for the ApiToken with this uid, in index order. */
  public List<IssueRecord> forOwner(String uid) {
    // One lookup per shard (each keeps its own owner index), not a scan of every record.
    List<IssueRecord> owned = new ArrayList<>();
    shards.wantedAll().values().forEach(s -> owned.addAll(s.forOwner(uid)));
    return owned;
  }

  /** The records as stored in the API (written or read), without changes still being written. */
  public List<IssueRecord> stored() {
    List<IssueRecord> all = new ArrayList<>();
    shards.storedAll().values().forEach(s -> all.addAll(s.records()));
    return all;
  }

  public List<IssueRecord> all() {
    List<IssueRecord> all = new ArrayList<>();
    shards.wantedAll().values().forEach(s -> all.addAll(s.records()));
    return all;
  }

  /** The recorded expiry of the token with this index, or null when no record is kept. */
  public Instant expiryOf(long index) {
    IssueRecord r = shards.wanted(IndexSpace.recordShardOf(index)).get(index);
    return r == null ? null : r.expiresAt();
  }

  /** One past the highest recorded index (0 when none). */
  public long indexBound() {
    return shards.wantedAll().values().stream()
        .mapToLong(IssueRecordShard::indexBound)
        .max()
        .orElse(0);
  }

  /** Drops records of tokens that expired longer ago than any verifier may still accept. */
  public void prune() {
    Instant now = clock.instant();
    for (Long k : shards.wantedAll().keySet()) {
      shards.update(k, s -> s.prune(now, IndexSpace.RETENTION_AFTER_EXPIRY));
    }
  }

  /** Shards with changes not yet stored. */
  public int pendingShards() {
    return shards.pendingShards();
  }

  public void resync() {
    shards.resync();
  }

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
