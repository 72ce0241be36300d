package dev.apitoken.operator.denylist;

import dev.apitoken.verifier.status.StatusList;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.BitSet;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The authoritative record of revoked tokens: their indices, grouped by the UTC day their token
 * expires. Grouping by expiry makes forgetting cheap: once a whole day's tokens have expired (plus
 * the verifiers' clock-skew leeway) their expiry rejects them anyway, and the day is dropped. Each
 * day's indices are kept as a status-list bit array, the same compact encoding the workloads read.
 * Immutable: every change returns a new ledger.
 */
public final class RevocationLedger {
  private static final String DAY_KEY_PREFIX = "expires-";

  private final TreeMap<LocalDate, BitSet> byExpiryDay;

  private RevocationLedger(TreeMap<LocalDate, BitSet> byExpiryDay) {
    this.byExpiryDay = byExpiryDay;
  }

  public static RevocationLedger empty() {
    return new RevocationLedger(new TreeMap<>());
  }

  /** The ledger with {@code tokens} added; {@code this} when all of them are already in it. */
  public RevocationLedger with(Collection<RevokedToken> tokens) {
    if (tokens.stream().allMatch(this::contains)) {
      return this;
    }
    TreeMap<LocalDate, BitSet> copy = deepCopy();
    for (RevokedToken token : tokens) {
      copy.computeIfAbsent(dayOf(token.expiresAt()), day -> new BitSet())
          .set(Math.toIntExact(token.index()));
    }
    return new RevocationLedger(copy);
  }

  /** Every revocation in either ledger. */
  public RevocationLedger union(RevocationLedger other) {
    if (other.byExpiryDay.isEmpty() || other.equals(this)) {
      return this;
    }
    TreeMap<LocalDate, BitSet> copy = deepCopy();
    other.byExpiryDay.forEach(
        (day, indices) -> copy.computeIfAbsent(day, d -> new BitSet()).or(indices));
    return new RevocationLedger(copy);
  }

  public boolean contains(RevokedToken token) {
    BitSet day = byExpiryDay.get(dayOf(token.expiresAt()));
    return day != null && day.get(Math.toIntExact(token.index()));
  }

  /** Whether {@code index} is revoked, whatever its expiry. */
  public boolean isRevoked(long index) {
    int i = Math.toIntExact(index);
    return byExpiryDay.values().stream().anyMatch(day -> day.get(i));
  }

  /**
   * Drops the days whose tokens have all expired more than {@code leeway} ago; {@code this} when
   * nothing is due.
   */
  public RevocationLedger prune(Instant now, Duration leeway) {
    TreeMap<LocalDate, BitSet> kept = new TreeMap<>(byExpiryDay);
    kept.keySet().removeIf(day -> !endOf(day).plus(leeway).isAfter(now));
    return kept.size() == byExpiryDay.size() ? this : new RevocationLedger(kept);
  }

  /** Number of revoked tokens recorded. */
  public int size() {
    return byExpiryDay.values().stream().mapToInt(BitSet::cardinality).sum();
  }

  /** One past the highest revoked index (0 when empty). */
  public long indexBound() {
    return byExpiryDay.values().stream().mapToLong(BitSet::length).max().orElse(0);
  }

  /** The status list workloads check: every recorded index INVALID, in a list of {@code size}. */
  public StatusList toStatusList(long size) {
    BitSet all = new BitSet();
    byExpiryDay.values().forEach(all::or);
    // A 1-bit status list and BitSet share one layout: bit i is bit (i % 8) of byte i / 8.
    byte[] bytes = new byte[Math.toIntExact((Math.max(size, all.length()) + 7) / 8)];
    byte[] revoked = all.toByteArray();
    System.arraycopy(revoked, 0, bytes, 0, revoked.length);
    return StatusList.ofBytes(1, bytes);
  }

  /** Storage form: one entry per expiry day, each a compressed bit array. Deterministic. */
  public Map<String, String> encode() {
    Map<String, String> encoded = new TreeMap<>();
    byExpiryDay.forEach(
        (day, indices) ->
            encoded.put(
                DAY_KEY_PREFIX + day, StatusList.ofBytes(1, indices.toByteArray()).encodeLst()));
    return encoded;
  }

  /** Reads {@link #encode()}'s form; entries with other keys are ignored. */
  public static RevocationLedger decode(Map<String, String> encoded) {
    TreeMap<LocalDate, BitSet> days = new TreeMap<>();
    encoded.forEach(
        (key, lst) -> {
          if (key.startsWith(DAY_KEY_PREFIX)) {
            BitSet indices = BitSet.valueOf(StatusList.decode(1, lst).toBytes());
            if (!indices.isEmpty()) {
              days.put(LocalDate.parse(key.substring(DAY_KEY_PREFIX.length())), indices);
            }
          }
        });
    return new RevocationLedger(days);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RevocationLedger that && byExpiryDay.equals(that.byExpiryDay);
  }

  @Override
  public int hashCode() {
    return byExpiryDay.hashCode();
  }

  @Override
  public String toString() {
    return "RevocationLedger[" + size() + " tokens over " + byExpiryDay.size() + " expiry days]";
  }

  private TreeMap<LocalDate, BitSet> deepCopy() {
    TreeMap<LocalDate, BitSet> copy = new TreeMap<>();
    byExpiryDay.forEach((day, indices) -> copy.put(day, (BitSet) indices.clone()));
    return copy;
  }

  private static LocalDate dayOf(Instant instant) {
    return LocalDate.ofInstant(instant, ZoneOffset.UTC);
  }

  private static Instant endOf(LocalDate day) {
    return day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }
}
