package dev.apitoken.operator.revocation;

import dev.apitoken.format.status.StatusList;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The revocations of one block of {@link IndexSpace#LEDGER_SHARD_SIZE} indices: for each revoked
 * index the UTC day its token expires, and the indices whose revocation was forgotten because the
 * token had provably expired ("expired"). The second set lets a stale published copy that still
 * shows such a bit be told apart from a revocation this shard lost. Immutable.
 */
public final class LedgerShard {
  static final String FORMAT = "apitoken.dev/ledger-shard-v1";
  static final String KEY_FORMAT = "format";
  static final String KEY_REVOKED = "revoked";
  static final String KEY_EXPIRY_DAYS = "expiry-days";
  static final String KEY_EXPIRED = "expired";
  static final String KEY_COUNT = "count";

  public static final LedgerShard EMPTY = new LedgerShard(new char[0], new BitSet());

  /** Per relative index: 0 when not revoked, else 1 + the token's expiry day (days since epoch). */
  private final char[] expiryDay;

  private final BitSet expired;

  private LedgerShard(char[] expiryDay, BitSet expired) {
    this.expiryDay = expiryDay;
    this.expired = expired;
  }

  static char dayCode(Instant expiresAt) {
    long day = LocalDate.ofInstant(expiresAt, ZoneOffset.UTC).toEpochDay();
    return (char) Math.min(Character.MAX_VALUE, Math.max(1, day + 1));
  }

  static Instant endOfDay(char code) {
    return LocalDate.ofEpochDay(code - 1L).plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /** When the token at {@code relative} expires at the latest (end of its recorded day). */
  public Instant expiryOf(int relative) {
    return endOfDay(expiryDay[relative]).minusSeconds(1);
  }

  public boolean isRevoked(int relative) {
    return relative < expiryDay.length && expiryDay[relative] != 0;
  }

  public boolean isForgotten(int relative) {
    return expired.get(relative);
  }

  /** Revoked, or revoked and since forgotten by expiry: nothing more to record. */
  public boolean covers(int relative) {
    return isRevoked(relative) || isForgotten(relative);
  }

  /** Adds revoked tokens, all of them in this shard's index block; a later expiry wins. */
  public LedgerShard withTokens(java.util.Collection<RevokedToken> tokens) {
    Map<Integer, Character> days = new java.util.HashMap<>();
    for (RevokedToken t : tokens) {
      days.merge(
          (int) (t.index() % IndexSpace.LEDGER_SHARD_SIZE),
          dayCode(t.expiresAt()),
          (a, b) -> (char) Math.max(a, b));
    }
    return with(days);
  }

  /** Adds revocations (relative index → day code); a later expiry wins. */
  LedgerShard with(Map<Integer, Character> revocations) {
    char[] days = null;
    for (Map.Entry<Integer, Character> e : revocations.entrySet()) {
      int i = e.getKey();
      char current = i < expiryDay.length ? expiryDay[i] : 0;
      if (current >= e.getValue()) {
        continue;
      }
      if (days == null) {
        days = Arrays.copyOf(expiryDay, Math.max(expiryDay.length, maxKey(revocations) + 1));
      }
      days[i] = e.getValue();
    }
    return days == null ? this : new LedgerShard(days, expired);
  }

  private static int maxKey(Map<Integer, Character> map) {
    return map.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  /** Every revocation and every forgotten index of both; the later expiry wins. */
  public LedgerShard union(LedgerShard other) {
    if (this == EMPTY) {
      return other;
    }
    if (other == EMPTY || other == this || other.equals(this)) {
      return this;
    }
    char[] days = Arrays.copyOf(expiryDay, Math.max(expiryDay.length, other.expiryDay.length));
    for (int i = 0; i < other.expiryDay.length; i++) {
      days[i] = (char) Math.max(days[i], other.expiryDay[i]);
    }
    BitSet forgotten = (BitSet) expired.clone();
    forgotten.or(other.expired);
    return new LedgerShard(days, forgotten);
  }

  /**
   * Forgets revocations whose tokens expired more than {@code retention} before {@code now}; they
   * move to the expired set. {@code this} when nothing is due.
   */
  public LedgerShard prune(Instant now, java.time.Duration retention) {
    char[] days = null;
    BitSet forgotten = null;
    for (int i = 0; i < expiryDay.length; i++) {
      if (expiryDay[i] != 0 && !endOfDay(expiryDay[i]).plus(retention).isAfter(now)) {
        if (days == null) {
          days = expiryDay.clone();
          forgotten = (BitSet) expired.clone();
        }
        days[i] = 0;
        forgotten.set(i);
      }
    }
    return days == null ? this : new LedgerShard(days, forgotten);
  }

  public BitSet revoked() {
    BitSet bits = new BitSet(expiryDay.length);
    for (int i = 0; i < expiryDay.length; i++) {
      if (expiryDay[i] != 0) {
        bits.set(i);
      }
    }
    return bits;
  }

  public int size() {
    int n = 0;
    for (char c : expiryDay) {
      if (c != 0) {
        n++;
      }
    }
    return n;
  }

  /** One past the highest relative index revoked or forgotten here (0 when none). */
  public int bound() {
    int last = expiryDay.length;
    while (last > 0 && expiryDay[last - 1] == 0) {
      last--;
    }
    return Math.max(last, expired.length());
  }

  public boolean isEmpty() {
    return bound() == 0;
  }

  /** Storage form; deterministic. */
  public Map<String, String> encode() {
    BitSet revoked = revoked();
    ByteBuffer days = ByteBuffer.allocate(revoked.cardinality() * 2);
    revoked.stream().forEach(i -> days.putChar(expiryDay[i]));
    Map<String, String> data = new LinkedHashMap<>();
    data.put(KEY_FORMAT, FORMAT);
    data.put(KEY_COUNT, Integer.toString(revoked.cardinality()));
    data.put(KEY_REVOKED, compress(revoked.toByteArray()));
    data.put(KEY_EXPIRY_DAYS, compress(days.array()));
    data.put(KEY_EXPIRED, compress(expired.toByteArray()));
    return data;
  }

  /**
   * Reads {@link #encode()}'s form.
   *
   * @throws IllegalArgumentException when it is not that form (a corrupt or foreign shard)
   */
  public static LedgerShard decode(Map<String, String> data) {
    if (data == null || !FORMAT.equals(data.get(KEY_FORMAT))) {
      throw new IllegalArgumentException("not a ledger shard (format is not " + FORMAT + ")");
    }
    BitSet revoked = BitSet.valueOf(decompress(data.get(KEY_REVOKED)));
    ByteBuffer days = ByteBuffer.wrap(decompress(data.get(KEY_EXPIRY_DAYS)));
    if (days.remaining() != revoked.cardinality() * 2
        || revoked.length() > IndexSpace.LEDGER_SHARD_SIZE) {
      throw new IllegalArgumentException("ledger shard sections disagree");
    }
    char[] expiryDay = new char[revoked.length()];
    revoked.stream().forEach(i -> expiryDay[i] = (char) Math.max(1, days.getChar()));
    BitSet expired = BitSet.valueOf(decompress(data.get(KEY_EXPIRED)));
    if (expired.length() > IndexSpace.LEDGER_SHARD_SIZE) {
      throw new IllegalArgumentException("ledger shard expired set out of range");
    }
    return new LedgerShard(expiryDay, expired);
  }

  private static String compress(byte[] bytes) {
    return bytes.length == 0 ? "" : StatusList.ofBytes(8, bytes).encodeLst();
  }

  private static byte[] decompress(String value) {
    if (value == null) {
      throw new IllegalArgumentException("ledger shard section missing");
    }
    if (value.isEmpty()) {
      return new byte[0];
    }
    return StatusList.decode(8, value).toBytes();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LedgerShard that)) {
      return false;
    }
    int n = Math.max(expiryDay.length, that.expiryDay.length);
    for (int i = 0; i < n; i++) {
      char a = i < expiryDay.length ? expiryDay[i] : 0;
      char b = i < that.expiryDay.length ? that.expiryDay[i] : 0;
      if (a != b) {
        return false;
      }
    }
    return expired.equals(that.expired);
  }

  @Override
  public int hashCode() {
    return revoked().hashCode() * 31 + expired.hashCode();
  }
}
