package dev.apitoken.verifier;

import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.format.status.StatusList;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every signed status list the verifier accepted, from every source (the trust directory, HTTP),
 * per URI; decides which one tokens use by its signed publication version {@code ver}, never by
 * {@code iat}, so a writer's clock cannot hide a revocation.
 *
 * <ul>
 *   <li>A list is accepted when it verified (the caller's part) and its {@code iat} is not further
 *       in the future than the leeway ({@link #check}). A list already stale when it arrives is
 *       held only while no fresh one is (for {@link Rejection#STATUS_STALE} and health).
 *   <li>The current list of a URI is the highest version among its held lists that is not stale;
 *       lists of the same version but different content count together (a token is revoked if
 *       either says so), logged once per URI and version. When the highest version goes stale, the
 *       highest fresh one takes over: after an operator restore publishes lower versions, the
 *       verifier does not fail closed for good.
 *   <li>A list counts only while the trusted JWKS holds the key that signed it ({@link
 *       #snapshot(TrustedKeys)}).
 *   <li>The revoked indices of every accepted fresh list, whatever its version, join the URI's
 *       {@link RevokedIndices}: a revocation, once seen, is final for the life of the process.
 *       Memory: at most {@link #MAX_URIS} URIs, each with one 256 KiB page per shard that has a
 *       revoked index (16 at most) and {@link #MAX_LISTS_PER_URI} lists.
 * </ul>
 *
 * <p>Thread-safe: sources offer lists one at a time; {@link #snapshot(TrustedKeys)} is what
 * verifications read.
 */
final class StatusListLedger {
  private static final System.Logger LOG = System.getLogger(TokenVerifier.class.getName());

  /**
   * At most this many URIs are remembered (each with its revoked indices): far beyond the 64 lists
   * followed over HTTP plus the 16 shards of a directory. A list of a further URI is refused.
   */
  static final int MAX_URIS = 128;

  /** At most this many lists are held per URI; in steady state one is. */
  static final int MAX_LISTS_PER_URI = 8;

  private final long leewayMillis;
  private final long maxAgeMillis;
  private final Map<String, Entry> entries = new HashMap<>(); // guarded by this
  private final Set<String> conflictsLogged = new HashSet<>(); // guarded by this

  private final Comparator<HeldStatusList> highestVersionFirst;

  private static final class Entry {
    final RevokedIndices revoked = new RevokedIndices();
    List<HeldStatusList> lists = List.of();
    KnownStatusList known;
  }

  /**
   * @param leewayMillis how far in the future an {@code iat} may be
   * @param maxAgeMillis the staleness bound beyond {@code exp}, or -1 for none
   */
  StatusListLedger(long leewayMillis, long maxAgeMillis) {
    this.leewayMillis = leewayMillis;
    this.maxAgeMillis = maxAgeMillis;
    this.highestVersionFirst =
        Comparator.comparingLong(HeldStatusList::version)
            .thenComparingLong(held -> held.freshUntilMillis(maxAgeMillis))
            .reversed();
  }

  /**
   * Refuses a list whose {@code iat} is further ahead of {@code nowMillis} than the leeway, or of a
   * URI beyond {@link #MAX_URIS}.
   *
   * @throws IllegalArgumentException naming the reason (never the list's content)
   */
  synchronized void check(HeldStatusList held, long nowMillis) {
    if (held.issuedAt() * 1000 > nowMillis + leewayMillis) {
      throw new IllegalArgumentException(
          "iat "
              + Instant.ofEpochSecond(held.issuedAt())
              + " is in the future beyond the leeway of "
              + Duration.ofMillis(leewayMillis)
              + " (the verifier's clock says "
              + Instant.ofEpochMilli(nowMillis)
              + ")");
    }
    if (!entries.containsKey(held.uri()) && entries.size() >= MAX_URIS) {
      throw new IllegalArgumentException("more than " + MAX_URIS + " status list URIs");
    }
  }

  /** Holds a list that passed {@link #check}: see the class comment for what it changes. */
  synchronized void offer(HeldStatusList held, long nowMillis) {
    check(held, nowMillis);
    Entry entry = entries.computeIfAbsent(held.uri(), uri -> new Entry());
    boolean fresh = !held.isStale(nowMillis, maxAgeMillis);
    if (fresh) {
      entry.revoked.addAll(held.list());
    }
    List<HeldStatusList> lists = new ArrayList<>(entry.lists.size() + 1);
    boolean add = true;
    for (HeldStatusList other : entry.lists) {
      if (other.version() == held.version()) {
        if (other.list().equals(held.list())) {
          // The same list again, or re-signed: keep whichever is fresh longer.
          if (held.freshUntilMillis(maxAgeMillis) > other.freshUntilMillis(maxAgeMillis)) {
            continue;
          }
          add = false;
        } else if (fresh && !other.isStale(nowMillis, maxAgeMillis)) {
          conflict(held, other);
        }
      }
      lists.add(other);
    }
    if (add) {
      lists.add(held);
    }
    lists.sort(highestVersionFirst);
    entry.lists = prune(lists, nowMillis);
    entry.known = known(held.uri(), entry);
  }

  /**
   * Records the revoked indices of an unsigned {@code status-list*.json} the verifier is allowed to
   * use: a later edit of the file cannot make them VALID again.
   */
  synchronized void recordUnsigned(String uri, StatusList list) {
    Entry entry = entries.get(uri);
    if (entry == null) {
      if (entries.size() >= MAX_URIS) {
        LOG.log(
            Level.WARNING,
            "not remembering the revocations of status list {0}: more than {1} URIs",
            UntrustedText.escape(uri),
            MAX_URIS);
        return;
      }
      entry = new Entry();
      entries.put(uri, entry);
    }
    entry.revoked.addAll(list);
    if (entry.known == null) {
      entry.known = known(uri, entry);
    }
  }

  /**
   * Per URI, what verifications use now: only the lists signed by a key of {@code keys} (a list
   * whose key left the trusted JWKS is no longer accepted; what it revoked stays revoked). Null
   * {@code keys}: every list.
   */
  synchronized Map<String, KnownStatusList> snapshot(TrustedKeys keys) {
    Map<String, KnownStatusList> known = new HashMap<>(entries.size() * 2);
    entries.forEach((uri, entry) -> known.put(uri, trusted(uri, entry, keys)));
    return Map.copyOf(known);
  }

  private static KnownStatusList trusted(String uri, Entry entry, TrustedKeys keys) {
    if (keys == null || entry.lists.stream().allMatch(held -> keys.contains(held.kid()))) {
      return entry.known;
    }
    HeldStatusList[] signedByTrustedKeys =
        entry.lists.stream()
            .filter(held -> keys.contains(held.kid()))
            .toArray(HeldStatusList[]::new);
    return new KnownStatusList(uri, signedByTrustedKeys, entry.revoked);
  }

  private static KnownStatusList known(String uri, Entry entry) {
    return new KnownStatusList(uri, entry.lists.toArray(HeldStatusList[]::new), entry.revoked);
  }

  /**
   * Drops what can never be current again: stale lists (unless none is fresh: then only the highest
   * version stays), and a list of a lower version that goes stale no later than one of a higher
   * version. {@code lists} is sorted highest version first.
   */
  private List<HeldStatusList> prune(List<HeldStatusList> lists, long nowMillis) {
    List<HeldStatusList> fresh = new ArrayList<>(lists.size());
    for (HeldStatusList held : lists) {
      if (!held.isStale(nowMillis, maxAgeMillis)) {
        fresh.add(held);
      }
    }
    if (fresh.isEmpty()) {
      return lists.isEmpty() ? List.of() : List.of(lists.get(0));
    }
    List<HeldStatusList> kept = new ArrayList<>(fresh.size());
    long freshestOfHigherVersions = Long.MIN_VALUE;
    long freshestOfThisVersion = Long.MIN_VALUE;
    long version = -1;
    for (HeldStatusList held : fresh) {
      if (held.version() != version) {
        freshestOfHigherVersions = Math.max(freshestOfHigherVersions, freshestOfThisVersion);
        freshestOfThisVersion = Long.MIN_VALUE;
        version = held.version();
      }
      long freshUntil = held.freshUntilMillis(maxAgeMillis);
      if (freshUntil > freshestOfHigherVersions) {
        kept.add(held);
      }
      freshestOfThisVersion = Math.max(freshestOfThisVersion, freshUntil);
    }
    while (kept.size() > MAX_LISTS_PER_URI) {
      kept.remove(kept.size() - 1);
    }
    return List.copyOf(kept);
  }

  // Holds this.
  private void conflict(HeldStatusList held, HeldStatusList other) {
    if (conflictsLogged.size() < 4 * MAX_URIS
        && conflictsLogged.add(held.uri() + "\n" + held.version())) {
      LOG.log(
          Level.WARNING,
          "two different signed status lists for {0} have the same version {1} (from {2} and {3});"
              + " using both: an index revoked in either is revoked",
          UntrustedText.escape(held.uri()),
          held.version(),
          UntrustedText.escape(other.source()),
          UntrustedText.escape(held.source()));
    }
  }
}
