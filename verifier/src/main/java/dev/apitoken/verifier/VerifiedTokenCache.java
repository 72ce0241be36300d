package dev.apitoken.verifier;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded cache of accepted tokens, keyed by the SHA-256 of the whole token (never the token
 * itself), so that a token seen again skips parsing and the Ed25519 check. It only remembers what
 * the signature proved: the verifier still checks expiry, not-before, the status bit in the current
 * status list and the key's presence in the current JWKS on every call (see {@link
 * TokenVerifier.Builder#verifiedTokenCache(int)}).
 *
 * <p>Lookups are lock-free ({@link ConcurrentHashMap} and a "recently used" bit per entry). Inserts
 * come only after a full verification (tens of microseconds of Ed25519) and take one lock, under
 * which a CLOCK hand picks the slot: a free slot, else the first expired entry or entry not used
 * since the hand last passed. So the cache never holds more than its capacity.
 */
public final class VerifiedTokenCache {
  private static final int INITIAL_SLOTS = 1024;
  // Issuer, status URI, audience and scope lists repeat across tokens; a few thousand cover them.
  private static final int SHARED_VALUES = 4096;

  /**
   * What the cache did since the verifier was built.
   *
   * @param hits verifications answered from the cache: no parsing, no signature check
   * @param misses verifications that checked the signature although the cache was on: a token not
   *     seen before (or evicted, expired, rejected, or its key no longer the trusted one)
   * @param entries tokens held now
   * @param capacity the most tokens it holds; 0 when the cache is off
   */
  public record Statistics(long hits, long misses, int entries, int capacity) {
    /** {@code hits / (hits + misses)}, or 0 before the first lookup. */
    public double hitRatio() {
      long lookups = hits + misses;
      return lookups == 0 ? 0 : (double) hits / lookups;
    }
  }

  /** A verdict the signature check gave, with what a hit has to check again. */
  static final class Entry {
    final TokenDigest digest;
    final Verdict.Accepted verdict;
    final TrustedKey key;
    final long expiredFromMillis;
    final long validFromMillis;
    // Set by readers without the lock, cleared by the hand: a lost update costs one eviction.
    volatile boolean recentlyUsed;
    int slot; // guarded by the cache

    Entry(
        TokenDigest digest,
        Verdict.Accepted verdict,
        TrustedKey key,
        long expiredFromMillis,
        long validFromMillis) {
      this.digest = digest;
      this.verdict = verdict;
      this.key = key;
      this.expiredFromMillis = expiredFromMillis;
      this.validFromMillis = validFromMillis;
    }
  }

  private final int capacity;
  private final ConcurrentHashMap<TokenDigest, Entry> entries;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  // Every entry of the map is in a slot; a slot may briefly hold an entry already removed.
  private Entry[] slots; // guarded by this
  private int slotsUsed; // guarded by this; slots at or above it were never filled
  private int hand; // guarded by this
  // Slots holding an entry: what the cache keeps in memory. Written under this, read freely.
  private volatile int held;
  private final Map<Object, Object> sharedValues = new HashMap<>(); // guarded by this

  VerifiedTokenCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
    this.entries = new ConcurrentHashMap<>(Math.min(capacity, INITIAL_SLOTS));
    this.slots = new Entry[Math.min(capacity, INITIAL_SLOTS)];
  }

  /**
   * The entry of {@code digest} if its key is still the one {@code keys} trusts under its kid,
   * counted as a hit; otherwise null, counted as a miss (and an entry whose key is gone is
   * removed).
   */
  Entry lookup(TokenDigest digest, TrustedKeys keys) {
    Entry entry = entries.get(digest);
    if (entry != null) {
      if (entry.key.sameKeyAs(keys.key(entry.key.kid()))) {
        if (!entry.recentlyUsed) {
          entry.recentlyUsed = true;
        }
        hits.increment();
        return entry;
      }
      remove(entry);
    }
    misses.increment();
    return null;
  }

  /** Remembers an accepted verdict, evicting an entry when full. */
  void put(
      TokenDigest digest,
      Verdict.Accepted verdict,
      TrustedKey key,
      long expiredFromMillis,
      long validFromMillis,
      long nowMillis) {
    synchronized (this) {
      Entry entry = new Entry(digest, compact(verdict), key, expiredFromMillis, validFromMillis);
      Entry previous = entries.get(digest);
      if (previous != null && slots[previous.slot] == previous) {
        // Two threads verified the same new token at once: keep one entry, in the same slot.
        entry.slot = previous.slot;
      } else {
        entry.slot = freeSlot(nowMillis);
        held++;
      }
      slots[entry.slot] = entry;
      entries.put(digest, entry);
    }
  }

  /** Forgets {@code entry}, unless another entry has replaced it already. */
  void remove(Entry entry) {
    if (entries.remove(entry.digest, entry)) {
      synchronized (this) {
        if (slots[entry.slot] == entry) {
          slots[entry.slot] = null;
          held--;
        }
      }
    }
  }

  Statistics statistics() {
    return new Statistics(hits.sum(), misses.sum(), held, capacity);
  }

  /**
   * An equal verdict whose repeated values are shared with other entries: that halves the heap an
   * entry takes (measured by {@code VerifiedTokenCacheFootprint}). Holds this.
   */
  private Verdict.Accepted compact(Verdict.Accepted verdict) {
    TokenClaims claims = verdict.claims();
    Instant notBefore =
        claims.notBefore().equals(claims.issuedAt()) ? claims.issuedAt() : claims.notBefore();
    return new Verdict.Accepted(
        new TokenClaims(
            shared(claims.issuer()),
            claims.subject(),
            shared(claims.audiences()),
            shared(claims.scopes()),
            claims.issuedAt(),
            notBefore,
            claims.expiresAt(),
            claims.jti(),
            claims.statusIndex(),
            shared(claims.statusUri())),
        shared(verdict.kid()));
  }

  // Holds this. Values are immutable (strings, unmodifiable lists), so sharing them is safe.
  @SuppressWarnings("unchecked")
  private <T> T shared(T value) {
    Object known = sharedValues.get(value);
    if (known != null) {
      return (T) known;
    }
    if (sharedValues.size() >= SHARED_VALUES) {
      sharedValues.clear(); // entries keep what they share; only later ones start over
    }
    sharedValues.put(value, value);
    return value;
  }

  // Holds this. An empty slot, emptied by evicting an entry when every slot is held.
  private int freeSlot(long nowMillis) {
    if (slotsUsed < capacity) {
      if (slotsUsed == slots.length) {
        slots = Arrays.copyOf(slots, (int) Math.min(capacity, 2L * slots.length));
      }
      return slotsUsed++;
    }
    // Two turns clear every bit, so the hand stops by then unless readers keep setting them.
    for (int step = 0; ; step++) {
      int slot = hand;
      hand = hand + 1 == capacity ? 0 : hand + 1;
      Entry entry = slots[slot];
      if (entry == null) {
        return slot;
      }
      if (entry.recentlyUsed && nowMillis < entry.expiredFromMillis && step < 2 * capacity) {
        entry.recentlyUsed = false;
        continue;
      }
      entries.remove(entry.digest, entry);
      slots[slot] = null;
      held--;
      return slot;
    }
  }
}
