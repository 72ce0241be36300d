package dev.apitoken.operator.token;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Signing keys revoked for good (key compromise), each with when it was revoked. Recorded in
 * several places (the key-ring Secret, the operator state, every trust copy) as {@code <kid>=<RFC
 * 3339>,...}, and merged by union: a key is forgotten only once every token it can have signed has
 * expired, never because one record lost it. Immutable; kids sorted, so the same set always has the
 * same text and records are rewritten only when it changes.
 */
public final class RevokedKids {
  private static final RevokedKids NONE = new RevokedKids(new TreeMap<>());

  /** What a kid may look like in a record: anything else is junk, not a key of ours. */
  private static final Pattern KID = Pattern.compile("[A-Za-z0-9._~-]{1,128}");

  private final SortedMap<String, Instant> revokedAt;

  private RevokedKids(SortedMap<String, Instant> revokedAt) {
    this.revokedAt = Collections.unmodifiableSortedMap(revokedAt);
  }

  public static RevokedKids none() {
    return NONE;
  }

  /**
   * Reads a record. An entry whose time is missing or unreadable counts as revoked at {@code
   * seenAt}: kept, and forgotten no earlier than if it had been revoked now. Entries that are not a
   * kid at all are skipped.
   */
  public static RevokedKids parse(String text, Instant seenAt) {
    if (text == null || text.isBlank()) {
      return NONE;
    }
    SortedMap<String, Instant> read = new TreeMap<>();
    for (String entry : text.split(",")) {
      int equals = entry.indexOf('=');
      String kid = (equals < 0 ? entry : entry.substring(0, equals)).strip();
      if (!KID.matcher(kid).matches()) {
        continue;
      }
      Instant at = seenAt;
      if (equals >= 0) {
        try {
          at = Instant.parse(entry.substring(equals + 1).strip());
        } catch (DateTimeException unreadable) {
          at = seenAt;
        }
      }
      // Whole seconds, as written: a record read back equals the set it was written from.
      read.merge(kid, at.truncatedTo(ChronoUnit.SECONDS), RevokedKids::later);
    }
    return read.isEmpty() ? NONE : new RevokedKids(read);
  }

  /** The record's text: {@code <kid>=<RFC 3339>} sorted by kid, comma-separated; "" when empty. */
  public String format() {
    List<String> entries = new ArrayList<>(revokedAt.size());
    revokedAt.forEach((kid, at) -> entries.add(kid + "=" + at));
    return String.join(",", entries);
  }

  /** With {@code kid} revoked at {@code at}, unless it is revoked already. */
  public RevokedKids with(String kid, Instant at) {
    if (revokedAt.containsKey(kid)) {
      return this;
    }
    SortedMap<String, Instant> next = new TreeMap<>(revokedAt);
    next.put(kid, at.truncatedTo(ChronoUnit.SECONDS));
    return new RevokedKids(next);
  }

  /**
   * Every kid either holds. A kid both hold keeps the later time, so that it is kept the longer.
   */
  public RevokedKids union(RevokedKids other) {
    if (other.revokedAt.isEmpty() || other.equals(this)) {
      return this;
    }
    if (revokedAt.isEmpty()) {
      return other;
    }
    SortedMap<String, Instant> merged = new TreeMap<>(revokedAt);
    other.revokedAt.forEach((kid, at) -> merged.merge(kid, at, RevokedKids::later));
    return merged.equals(revokedAt) ? this : new RevokedKids(merged);
  }

  /**
   * Without the kids revoked more than {@code keptFor} before {@code now}: {@code keptFor} is the
   * longest a token can live plus the verifier's leeway, so no token such a key signed can still
   * pass anywhere, even if the key were published again.
   */
  public RevokedKids forgettingExpired(Instant now, Duration keptFor) {
    SortedMap<String, Instant> kept = new TreeMap<>();
    revokedAt.forEach(
        (kid, at) -> {
          if (!at.plus(keptFor).isBefore(now)) {
            kept.put(kid, at);
          }
        });
    return kept.size() == revokedAt.size() ? this : new RevokedKids(kept);
  }

  public boolean contains(String kid) {
    return revokedAt.containsKey(kid);
  }

  public Set<String> kids() {
    return revokedAt.keySet();
  }

  /** Kid to when it was revoked. */
  public Map<String, Instant> revokedAt() {
    return revokedAt;
  }

  public boolean isEmpty() {
    return revokedAt.isEmpty();
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RevokedKids that && revokedAt.equals(that.revokedAt);
  }

  @Override
  public int hashCode() {
    return revokedAt.hashCode();
  }

  @Override
  public String toString() {
    return "RevokedKids[" + format() + "]";
  }
}
