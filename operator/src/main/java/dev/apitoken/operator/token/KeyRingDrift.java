package dev.apitoken.operator.token;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the key ring stored in the cluster relates to the one the operator holds in memory, and so
 * what the operator does about it. Losing a key that still verifies tokens makes every token it
 * signed invalid, so the operator's copy wins over a stored ring that is missing, unreadable or
 * lacks such a key; a stored ring that keeps every key still needed is newer (another replica
 * rotated or pruned) and is adopted.
 */
public enum KeyRingDrift {
  /** The stored ring is the one held. */
  SAME,
  /** The stored ring keeps every key still needed and differs: take it. */
  ADOPT,
  /**
   * The stored ring is missing, unreadable or lacks a key still needed: write back the held one.
   */
  RESTORE;

  /**
   * @param held the ring in memory
   * @param stored the ring in the cluster; empty when the Secret is gone or unreadable
   * @param maxTokenLifetime how long a retired key is still needed (see {@link
   *     KeyRing#pruneRetired})
   */
  public static KeyRingDrift of(
      KeyRing held, Optional<KeyRing> stored, Instant now, Duration maxTokenLifetime) {
    if (stored.isEmpty()) {
      return RESTORE;
    }
    if (stored.get().equals(held)) {
      return SAME;
    }
    return kids(stored.get()).containsAll(kids(held.pruneRetired(now, maxTokenLifetime)))
        ? ADOPT
        : RESTORE;
  }

  /** Keys held that the stored ring lacks (and are still needed), for saying what was lost. */
  public static Set<String> missing(
      KeyRing held, Optional<KeyRing> stored, Instant now, Duration maxTokenLifetime) {
    Set<String> needed = kids(held.pruneRetired(now, maxTokenLifetime));
    stored.ifPresent(ring -> needed.removeAll(kids(ring)));
    return needed;
  }

  private static Set<String> kids(KeyRing ring) {
    return ring.keys().stream()
        .map(SigningKey::kid)
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }
}
