package dev.apitoken.verifier;

import dev.apitoken.format.status.StatusList;
import java.util.List;

/**
 * What the verifier knows of one status list URI at one moment: the signed lists that may be
 * current (highest {@code ver} first; within a version, the one fresh longest first) and the
 * indices ever seen revoked. Immutable but for {@code revoked}, which only grows.
 *
 * <p>The current list is the highest-version list that is not stale now; lists of that same version
 * count together (their union). A token whose index is in {@code revoked} is revoked whatever the
 * current list says.
 */
final class KnownStatusList {
  private final String uri;
  private final HeldStatusList[] candidates;
  private final RevokedIndices revoked;

  KnownStatusList(String uri, HeldStatusList[] candidates, RevokedIndices revoked) {
    this.uri = uri;
    this.candidates = candidates;
    this.revoked = revoked;
  }

  String uri() {
    return uri;
  }

  /** Whether a signed list is held (fresh or not). */
  boolean holdsList() {
    return candidates.length > 0;
  }

  /** The lists held, highest version first. */
  List<HeldStatusList> heldLists() {
    return List.of(candidates);
  }

  boolean revoked(long idx) {
    return revoked.contains(idx);
  }

  /**
   * The status of {@code idx} from the signed lists, for an index not in {@link #revoked(long)}: a
   * status value, {@link TrustState#STATUS_MISSING} when no signed list is held, {@link
   * TrustState#STATUS_UNKNOWN} when the current version's lists do not cover it, or {@link
   * TrustState#STATUS_STALE} when every held list is stale and says VALID.
   */
  int status(long idx, long nowMillis, long maxAgeMillis) {
    HeldStatusList[] lists = candidates;
    if (lists.length == 0) {
      return TrustState.STATUS_MISSING;
    }
    boolean current = false;
    long version = 0;
    for (HeldStatusList held : lists) {
      if (current && held.version() < version) {
        break;
      }
      if (held.isStale(nowMillis, maxAgeMillis)) {
        continue;
      }
      current = true;
      version = held.version();
      if (held.covers(idx)) {
        return held.list().get(idx);
      }
    }
    if (current) {
      return TrustState.STATUS_UNKNOWN;
    }
    // Every list is stale: the highest version still proves a revocation, never a VALID.
    HeldStatusList newest = lists[0];
    if (!newest.covers(idx)) {
      return TrustState.STATUS_UNKNOWN;
    }
    int status = newest.list().get(idx);
    return status != StatusList.VALID ? status : TrustState.STATUS_STALE;
  }

  /** The list tokens use now: the first fresh one, else the highest version (stale). */
  HeldStatusList current(long nowMillis, long maxAgeMillis) {
    for (HeldStatusList held : candidates) {
      if (!held.isStale(nowMillis, maxAgeMillis)) {
        return held;
      }
    }
    return candidates.length == 0 ? null : candidates[0];
  }

  /** Whether no held list is fresh (false when none is held). */
  boolean isStale(long nowMillis, long maxAgeMillis) {
    HeldStatusList held = current(nowMillis, maxAgeMillis);
    return held != null && held.isStale(nowMillis, maxAgeMillis);
  }
}
