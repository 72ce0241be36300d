package dev.apitoken.operator.revocation;

import dev.apitoken.format.status.StatusList;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The authoritative record of revoked tokens: for each revoked status-list index, the day its token
 * expires, sharded by index block ({@link LedgerShard}). A revocation is forgotten only once its
 * token has provably expired ({@link IndexSpace#RETENTION_AFTER_EXPIRY}), never because a source
 * lacks it. Immutable: a change returns a new ledger sharing the shards it did not touch.
 */
public final class RevocationLedger {
  private final TreeMap<Long, LedgerShard> shards;

  private RevocationLedger(TreeMap<Long, LedgerShard> shards) {
    this.shards = shards;
  }

  public static RevocationLedger empty() {
    return new RevocationLedger(new TreeMap<>());
  }

  /** A ledger of the given shards (by shard number), as read from storage. */
  public static RevocationLedger ofShards(Map<Long, LedgerShard> shards) {
    TreeMap<Long, LedgerShard> copy = new TreeMap<>(shards);
    copy.values().removeIf(LedgerShard::isEmpty);
    return new RevocationLedger(copy);
  }

  /** The ledger with {@code tokens} added; {@code this} when all of them are already in it. */
  public RevocationLedger with(Collection<RevokedToken> tokens) {
    Map<Long, Map<Integer, Character>> byShard = new HashMap<>();
    for (RevokedToken token : tokens) {
      checkIndex(token.index());
      byShard
          .computeIfAbsent(IndexSpace.ledgerShardOf(token.index()), k -> new HashMap<>())
          .merge(
              relative(token.index()),
              LedgerShard.dayCode(token.expiresAt()),
              (a, b) -> (char) Math.max(a, b));
    }
    TreeMap<Long, LedgerShard> next = null;
    for (var e : byShard.entrySet()) {
      LedgerShard before = shards.getOrDefault(e.getKey(), LedgerShard.EMPTY);
      LedgerShard after = before.with(e.getValue());
      if (after != before) {
        if (next == null) {
          next = new TreeMap<>(shards);
        }
        next.put(e.getKey(), after);
      }
    }
    return next == null ? this : new RevocationLedger(next);
  }

  /** This ledger with shard {@code number} replaced. */
  public RevocationLedger withShard(long number, LedgerShard shard) {
    if (shards.get(number) == shard) {
      return this;
    }
    TreeMap<Long, LedgerShard> next = new TreeMap<>(shards);
    if (shard.isEmpty()) {
      next.remove(number);
    } else {
      next.put(number, shard);
    }
    return new RevocationLedger(next);
  }

  /** Every revocation (and every forgotten index) in either ledger. */
  public RevocationLedger union(RevocationLedger other) {
    if (other == this || other.shards.isEmpty()) {
      return this;
    }
    TreeMap<Long, LedgerShard> next = new TreeMap<>(shards);
    other.shards.forEach((k, theirs) -> next.merge(k, theirs, LedgerShard::union));
    return new RevocationLedger(next);
  }

  /** Recorded as revoked, or revoked and since forgotten because the token expired. */
  public boolean covers(long index) {
    LedgerShard shard = shards.get(IndexSpace.ledgerShardOf(index));
    return shard != null && shard.covers(relative(index));
  }

  public boolean contains(RevokedToken token) {
    return covers(token.index());
  }

  /** Whether {@code index} is currently published as revoked. */
  public boolean isRevoked(long index) {
    LedgerShard shard = shards.get(IndexSpace.ledgerShardOf(index));
    return shard != null && shard.isRevoked(relative(index));
  }

  /**
   * Forgets revocations of tokens that expired more than {@code retention} ago; {@code this} when
   * nothing is due.
   */
  public RevocationLedger prune(Instant now, Duration retention) {
    TreeMap<Long, LedgerShard> next = null;
    for (var e : shards.entrySet()) {
      LedgerShard pruned = e.getValue().prune(now, retention);
      if (pruned != e.getValue()) {
        if (next == null) {
          next = new TreeMap<>(shards);
        }
        next.put(e.getKey(), pruned);
      }
    }
    return next == null ? this : new RevocationLedger(next);
  }

  /** Number of revoked tokens recorded (not counting forgotten ones). */
  public int size() {
    return shards.values().stream().mapToInt(LedgerShard::size).sum();
  }

  /** One past the highest index revoked or forgotten (0 when empty): no index below is free. */
  public long indexBound() {
    if (shards.isEmpty()) {
      return 0;
    }
    var last = shards.lastEntry();
    return last.getKey() * IndexSpace.LEDGER_SHARD_SIZE + last.getValue().bound();
  }

  public NavigableMap<Long, LedgerShard> shards() {
    return java.util.Collections.unmodifiableNavigableMap(shards);
  }

  public LedgerShard shard(long number) {
    return shards.getOrDefault(number, LedgerShard.EMPTY);
  }

  /**
   * Published shard {@code copyShard} of the status list covering {@code [0, size)}: every revoked
   * index in that shard's range INVALID, everything else VALID (indices below the range are zero
   * and mean nothing; verifiers look an index up in its own shard).
   */
  public StatusList toStatusList(int copyShard, long size) {
    long from = copyShard * IndexSpace.COPY_SHARD_SIZE;
    long to = Math.min(size, from + IndexSpace.COPY_SHARD_SIZE);
    long bytes = (Math.max(to, from) + 7) / 8;
    byte[] list = new byte[Math.toIntExact(bytes)];
    long firstLedger = IndexSpace.ledgerShardOf(from);
    long lastLedger = IndexSpace.ledgerShardOf(Math.max(from, to - 1));
    for (var e : shards.subMap(firstLedger, true, lastLedger, true).entrySet()) {
      long base = e.getKey() * IndexSpace.LEDGER_SHARD_SIZE;
      BitSet revoked = e.getValue().revoked();
      for (int i = revoked.nextSetBit(0); i >= 0; i = revoked.nextSetBit(i + 1)) {
        long index = base + i;
        if (index >= from && index < to) {
          list[(int) (index >>> 3)] |= (byte) (1 << (index & 7));
        }
      }
    }
    return StatusList.ofBytes(1, list);
  }

  /**
   * The ledger shards (empty where none) whose indices fall in published shard {@code copyShard}.
   */
  public java.util.List<LedgerShard> shardsOfCopy(int copyShard) {
    long first = copyShard * IndexSpace.COPY_SHARD_SIZE / IndexSpace.LEDGER_SHARD_SIZE;
    long count = IndexSpace.COPY_SHARD_SIZE / IndexSpace.LEDGER_SHARD_SIZE;
    java.util.List<LedgerShard> inputs = new java.util.ArrayList<>();
    for (long k = first; k < first + count; k++) {
      inputs.add(shards.getOrDefault(k, LedgerShard.EMPTY));
    }
    return inputs;
  }

  /** Whole-ledger status list for {@code [0, size)}, for tests and small lists. */
  public StatusList toStatusList(long size) {
    return toStatusList(0, Math.min(size, IndexSpace.COPY_SHARD_SIZE));
  }

  /**
   * Reads the single-ConfigMap ledger of earlier versions ({@code expires-<day>} keys, each a
   * status-list bit array of the indices whose tokens expire that UTC day), to migrate it.
   */
  public static RevocationLedger decodeLegacy(Map<String, String> encoded) {
    java.util.List<RevokedToken> tokens = new java.util.ArrayList<>();
    encoded.forEach(
        (key, lst) -> {
          if (key.startsWith("expires-")) {
            Instant expiry =
                java.time.LocalDate.parse(key.substring("expires-".length()))
                    .plusDays(1)
                    .atStartOfDay()
                    .toInstant(java.time.ZoneOffset.UTC)
                    .minusSeconds(1);
            BitSet indices = BitSet.valueOf(StatusList.decode(1, lst).toBytes());
            indices.stream().forEach(i -> tokens.add(new RevokedToken(i, expiry)));
          }
        });
    return empty().with(tokens);
  }

  /** Storage form: each shard's ConfigMap data by shard number. Deterministic. */
  public Map<Long, Map<String, String>> encodeShards() {
    Map<Long, Map<String, String>> encoded = new TreeMap<>();
    shards.forEach((k, shard) -> encoded.put(k, shard.encode()));
    return encoded;
  }

  /** Reads {@link #encodeShards()}'s form. */
  public static RevocationLedger decodeShards(Map<Long, Map<String, String>> encoded) {
    Map<Long, LedgerShard> shards = new TreeMap<>();
    encoded.forEach((k, data) -> shards.put(k, LedgerShard.decode(data)));
    return ofShards(shards);
  }

  private static int relative(long index) {
    return (int) (index % IndexSpace.LEDGER_SHARD_SIZE);
  }

  private static void checkIndex(long index) {
    if (index < 0 || index >= IndexSpace.CAPACITY) {
      throw new IllegalArgumentException("status-list index out of range: " + index);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RevocationLedger that)) {
      return false;
    }
    java.util.Set<Long> keys = new java.util.TreeSet<>(shards.keySet());
    keys.addAll(that.shards.keySet());
    return keys.stream().allMatch(k -> shard(k).equals(that.shard(k)));
  }

  @Override
  public int hashCode() {
    return shards.entrySet().stream()
        .filter(e -> !e.getValue().isEmpty())
        .mapToInt(e -> e.getKey().hashCode() ^ e.getValue().hashCode())
        .sum();
  }

  @Override
  public String toString() {
    return "RevocationLedger[" + size() + " tokens over " + shards.size() + " shards]";
  }
}
