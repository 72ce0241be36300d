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
 * Immutable: every change returns a new ledger that shares the days it did not touch, encoded form
 * included, so recording one revocation re-encodes one day, not all.
 */
public final class RevocationLedger {
  private static final String DAY_KEY_PREFIX = "expires-";

  /** One expiry day's revoked indices; never modified once in a ledger. */
  private static final class Day {
    private final BitSet indices;
    private volatile String encoded;

    Day(BitSet indices) {
      this.indices = indices;
    }

    Day with(BitSet more) {
      BitSet union = (BitSet) indices.clone();
      union.or(more);
      return union.equals(indices) ? this : new Day(union);
    }

    /** base64url(zlib(bit array)), computed once per day. */
    String encoded() {
      String value = encoded;
      if (value == null) {
        value = StatusList.ofBytes(1, indices.toByteArray()).encodeLst();
        encoded = value;
      }
      return value;
    }
  }

  private final TreeMap<LocalDate, Day> byExpiryDay;

  private RevocationLedger(TreeMap<LocalDate, Day> byExpiryDay) {
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
    TreeMap<LocalDate, BitSet> added = new TreeMap<>();
    for (RevokedToken token : tokens) {
      added
          .computeIfAbsent(dayOf(token.expiresAt()), day -> new BitSet())
          .set(Math.toIntExact(token.index()));
    }
    TreeMap<LocalDate, Day> days = new TreeMap<>(byExpiryDay);
    added.forEach(
        (day, indices) ->
            days.merge(day, new Day(indices), (old, fresh) -> old.with(fresh.indices)));
    return new RevocationLedger(days);
  }

  /** Every revocation in either ledger. */
  public RevocationLedger union(RevocationLedger other) {
    if (other.byExpiryDay.isEmpty() || other.equals(this)) {
      return this;
    }
    TreeMap<LocalDate, Day> days = new TreeMap<>(byExpiryDay);
    other.byExpiryDay.forEach(
        (day, theirs) -> days.merge(day, theirs, (ours, t) -> ours.with(t.indices)));
    return new RevocationLedger(days);
  }

  public boolean contains(RevokedToken token) {
    Day day = byExpiryDay.get(dayOf(token.expiresAt()));
    return day != null && day.indices.get(Math.toIntExact(token.index()));
  }

  /** Whether {@code index} is revoked, whatever its expiry. */
  public boolean isRevoked(long index) {
    int i = Math.toIntExact(index);
    return byExpiryDay.values().stream().anyMatch(day -> day.indices.get(i));
  }

  /**
   * Drops the days whose tokens have all expired more than {@code leeway} ago; {@code this} when
   * nothing is due.
   */
  public RevocationLedger prune(Instant now, Duration leeway) {
    TreeMap<LocalDate, Day> kept = new TreeMap<>(byExpiryDay);
    kept.keySet().removeIf(day -> !endOf(day).plus(leeway).isAfter(now));
    return kept.size() == byExpiryDay.size() ? this : new RevocationLedger(kept);
  }

  /** Number of revoked tokens recorded. */
  public int size() {
    return byExpiryDay.values().stream().mapToInt(day -> day.indices.cardinality()).sum();
  }

  /** One past the highest revoked index (0 when empty). */
  public long indexBound() {
    return byExpiryDay.values().stream().mapToLong(day -> day.indices.length()).max().orElse(0);
  }

  /** The status list workloads check: every recorded index INVALID, in a list of {@code size}. */
  public StatusList toStatusList(long size) {
    BitSet all = new BitSet();
    byExpiryDay.values().forEach(day -> all.or(day.indices));
    // A 1-bit status list and BitSet share one layout: bit i is bit (i % 8) of byte i / 8.
    byte[] bytes = new byte[Math.toIntExact((Math.max(size, all.length()) + 7) / 8)];
    byte[] revoked = all.toByteArray();
    System.arraycopy(revoked, 0, bytes, 0, revoked.length);
    return StatusList.ofBytes(1, bytes);
  }

  /** Storage form: one entry per expiry day, each a compressed bit array. Deterministic. */
  public Map<String, String> encode() {
    Map<String, String> encoded = new TreeMap<>();
    byExpiryDay.forEach((day, indices) -> encoded.put(DAY_KEY_PREFIX + day, indices.encoded()));
    return encoded;
  }

  /** Reads {@link #encode()}'s form; entries with other keys are ignored. */
  public static RevocationLedger decode(Map<String, String> encoded) {
    TreeMap<LocalDate, Day> days = new TreeMap<>();
    encoded.forEach(
        (key, lst) -> {
          if (key.startsWith(DAY_KEY_PREFIX)) {
            BitSet indices = BitSet.valueOf(StatusList.decode(1, lst).toBytes());
            if (!indices.isEmpty()) {
              days.put(LocalDate.parse(key.substring(DAY_KEY_PREFIX.length())), new Day(indices));
            }
          }
        });
    return new RevocationLedger(days);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RevocationLedger that)
        || !byExpiryDay.keySet().equals(that.byExpiryDay.keySet())) {
      return false;
    }
    return byExpiryDay.entrySet().stream()
        .allMatch(
            e ->
                e.getValue() == that.byExpiryDay.get(e.getKey())
                    || e.getValue().indices.equals(that.byExpiryDay.get(e.getKey()).indices));
  }

  @Override
  public int hashCode() {
    return byExpiryDay.entrySet().stream()
        .mapToInt(e -> e.getKey().hashCode() ^ e.getValue().indices.hashCode())
        .sum();
  }

  @Override
  public String toString() {
    return "RevocationLedger[" + size() + " tokens over " + byExpiryDay.size() + " expiry days]";
  }

  private static LocalDate dayOf(Instant instant) {
    return LocalDate.ofInstant(instant, ZoneOffset.UTC);
  }

  private static Instant endOf(LocalDate day) {
    return day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }
}
