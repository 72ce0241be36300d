package dev.apitoken.operator.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.LedgerShard;
import dev.apitoken.operator.revocation.RevocationLedger;
import dev.apitoken.operator.revocation.RevokedToken;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authoritative {@link RevocationLedger}, stored as one ConfigMap per index block ({@code
 * <trust>-revocations-<n>}) in the operator's namespace. A revocation counts once the shard holding
 * it is written. Shards that are deleted or edited are merged back from memory; bits another source
 * still shows are absorbed, never dropped.
 */
public final class RevocationLedgerStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RevocationLedgerStore.class);
  static final String COMPONENT = "revocations";

  private final ConfigMapApi api;
  private final String namespace;
  private final String legacyName;
  private final Clock clock;
  private final Runnable onChange;
  private final ShardedStore<LedgerShard> shards;
  private volatile RevocationLedger ledger = RevocationLedger.empty();

  /** Told of every disagreement: which source, and how many revocations the ledger lacked. */
  private volatile java.util.function.BiConsumer<String, Integer> onDisagreement = (s, n) -> {};

  /**
   * Every revocation known to be stored (in a ledger shard as written or read by this process, or
   * in another stored object it was absorbed from: a copy, an issue record), never shrinking but by
   * expiry: what may be published. A new revocation still being written is not in it, so no copy
   * shows a bit that a crash before the write could lose.
   */
  private volatile RevocationLedger durable = RevocationLedger.empty();

  public RevocationLedgerStore(
      ConfigMapApi api,
      String namespace,
      String name,
      Clock clock,
      Fence fence,
      ShardedStore.Listener listener,
      Runnable onChange) {
    this(api, namespace, name, clock, fence, listener, onChange, Scheduling.THREADS);
  }

  /** With the shard writer run by {@code scheduling} (the model test's single thread). */
  public RevocationLedgerStore(
      ConfigMapApi api,
      String namespace,
      String name,
      Clock clock,
      Fence fence,
      ShardedStore.Listener listener,
      Runnable onChange,
      Scheduling scheduling) {
    this.api = api;
    this.namespace = namespace;
    this.legacyName = name;
    this.clock = clock;
    this.onChange = onChange;
    this.shards =
        new ShardedStore<>(
            api,
            namespace,
            name,
            COMPONENT,
            "Revoked ApiToken indices for one index block. Do not edit: the operator restores it.",
            ShardedStore.Codec.of(
                LedgerShard.EMPTY,
                LedgerShard::decode,
                LedgerShard::encode,
                LedgerShard::union,
                LedgerShard::isEmpty),
            fence,
            listener,
            this::refresh,
            scheduling);
  }

  /** Reads every shard (and a ledger in the single-ConfigMap form of earlier versions). */
  public RevocationLedger start() {
    shards.start();
    refresh();
    ConfigMap legacy = api.get(namespace, legacyName);
    if (legacy != null && legacy.getData() != null) {
      try {
        RevocationLedger old = RevocationLedger.decodeLegacy(legacy.getData());
        List<RevokedToken> tokens = tokensOf(old);
        // Once every migrated revocation is in its shard, the old form goes: it would otherwise
        // bring back, at every start, revocations that have since expired and been forgotten.
        revoke(tokens).thenRun(() -> api.delete(namespace, legacyName));
        LOG.info(
            "{} {} {}",
            kv("event", "ledger_migrated"),
            kv("from", namespace + "/" + legacyName),
            kv("revoked", tokens.size()));
      } catch (RuntimeException unreadable) {
        LOG.warn(
            "{} {} {}",
            kv("event", "legacy_ledger_unreadable"),
            kv("configmap", namespace + "/" + legacyName),
            kv("error", unreadable.getClass().getSimpleName()));
      }
    }
    LOG.info(
        "{} {} {} {}",
        kv("event", "ledger_loaded"),
        kv("namespace", namespace),
        kv("shards", ledger.shards().size()),
        kv("revoked", ledger.size()));
    return ledger;
  }

  /** The stored shard instances last merged into {@link #durable} (shards are immutable). */
  private final Map<Long, LedgerShard> mergedStored = new java.util.HashMap<>();

  /**
   * Under one lock: callers on different threads (reconciler, watch, writer) each read the shards
   * and then assign; unlocked, an older read could be assigned last and a revocation vanish from
   * {@link #current()} (and from the next published copies) until the next change.
   */
  private void refresh() {
    synchronized (mergedStored) {
      ledger = RevocationLedger.ofShards(shards.wantedAll());
      RevocationLedger next = durable;
      for (var e : shards.storedAll().entrySet()) {
        if (mergedStored.get(e.getKey()) != e.getValue()) {
          next = next.withShard(e.getKey(), next.shard(e.getKey()).union(e.getValue()));
          mergedStored.put(e.getKey(), e.getValue());
        }
      }
      durable = next;
    }
    onChange.run();
  }

  /** What may be published: revocations known to be stored. */
  public RevocationLedger durable() {
    return durable;
  }

  public RevocationLedger current() {
    return ledger;
  }

  /** Completes once every token is stored in its shard; at once if already there. */
  public CompletableFuture<Void> revoke(Collection<RevokedToken> tokens) {
    Map<Long, List<RevokedToken>> byShard = new TreeMap<>();
    tokens.forEach(
        t ->
            byShard
                .computeIfAbsent(IndexSpace.ledgerShardOf(t.index()), k -> new ArrayList<>())
                .add(t));
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    byShard.forEach((k, list) -> writes.add(shards.update(k, s -> s.withTokens(list))));
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /**
   * Adds bits that another copy of the revocation state ({@code source}) shows and the ledger
   * lacks. A bit is cleared only by provable expiry, never by its absence from one source.
   *
   * @return how many revocations were missing here
   */
  public int absorb(
      BitSet bits, String source, Instant conservativeExpiry, LongFunction<Instant> knownExpiry) {
    // The bits come from a stored object (a copy, an issue record), so they may be published at
    // once: publishing them more widely can take nothing back.
    synchronized (mergedStored) {
      List<RevokedToken> unpublishable =
          notCoveredBy(durable, bits, conservativeExpiry, knownExpiry);
      if (!unpublishable.isEmpty()) {
        durable = durable.with(unpublishable);
      }
    }
    List<RevokedToken> missing = notCoveredBy(ledger, bits, conservativeExpiry, knownExpiry);
    if (missing.isEmpty()) {
      return 0;
    }
    LOG.warn(
        "{} {} {} {}",
        kv("event", "revocation_source_disagrees"),
        kv("source", source),
        kv("missing_in_ledger", missing.size()),
        kv("action", "restoring_revocations"));
    revoke(missing);
    onDisagreement.accept(source, missing.size());
    return missing.size();
  }

  /** The bits {@code ledger} does not cover, as revoked tokens with their best-known expiry. */
  private static List<RevokedToken> notCoveredBy(
      RevocationLedger ledger,
      BitSet bits,
      Instant conservativeExpiry,
      LongFunction<Instant> knownExpiry) {
    List<RevokedToken> missing = new ArrayList<>();
    bits.stream()
        .filter(i -> !ledger.covers(i))
        .forEach(
            i -> {
              Instant known = knownExpiry.apply(i);
              missing.add(new RevokedToken(i, known != null ? known : conservativeExpiry));
            });
    return missing;
  }

  /** Where disagreements are reported besides the log (an Event for people). */
  public void onDisagreement(java.util.function.BiConsumer<String, Integer> listener) {
    this.onDisagreement = listener;
  }

  /** Forgets revocations of tokens that expired longer ago than any verifier may still accept. */
  public void prune() {
    Instant now = clock.instant();
    synchronized (mergedStored) {
      durable = durable.prune(now, IndexSpace.RETENTION_AFTER_EXPIRY);
    }
    for (Long k : ledger.shards().keySet()) {
      shards.update(k, s -> s.prune(now, IndexSpace.RETENTION_AFTER_EXPIRY));
    }
  }

  /** Re-reads every shard and repairs what differs. */
  public void resync() {
    shards.resync();
  }

  /** Why the shards holding these indices are not yet written, if they failed. */
  public Optional<ShardedStore.Failure> failure(Collection<Long> indices) {
    return indices.stream()
        .map(IndexSpace::ledgerShardOf)
        .distinct()
        .map(shards::failure)
        .flatMap(Optional::stream)
        .findFirst();
  }

  public int pendingShards() {
    return shards.pendingShards();
  }

  public String shardName(long shard) {
    return shards.name(shard);
  }

  private static List<RevokedToken> tokensOf(RevocationLedger ledger) {
    List<RevokedToken> tokens = new ArrayList<>();
    ledger
        .shards()
        .forEach(
            (k, shard) -> {
              BitSet revoked = shard.revoked();
              revoked.stream()
                  .forEach(
                      i ->
                          tokens.add(
                              new RevokedToken(
                                  k * IndexSpace.LEDGER_SHARD_SIZE + i, shard.expiryOf(i))));
            });
    return tokens;
  }

  @Override
  public void close() {
    shards.close();
  }
}
