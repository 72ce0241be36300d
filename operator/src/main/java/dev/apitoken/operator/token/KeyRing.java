package dev.apitoken.operator.token;

import dev.apitoken.format.Jwks;
import dev.apitoken.format.TrustedKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's signing keys: exactly one active key that signs new tokens, at most one next key
 * that is already published but signs only from its {@code createdAt} on, and retired keys kept
 * only as long as tokens they signed can still be valid. Publishing the next key ahead matters
 * because workloads read a mounted copy of the public keys that can be minutes old: a token signed
 * by a key they have never seen would be rejected. Immutable; every change returns a new ring, or
 * {@code this} when nothing changes so callers can skip writing it back.
 *
 * <p>Keys are held in the order they were created (the active key last after a rotation), and the
 * key ring JSON keeps that order.
 */
public final class KeyRing {

  private final List<SigningKey> keys;
  private final SigningKey activeKey;
  private final Optional<SigningKey> nextKey;
  private final Map<String, TrustedKey> verificationKeys;

  /**
   * @throws IllegalArgumentException unless there is one active key (the first key not retired), at
   *     most one next key after it, and kids are unique
   */
  public KeyRing(List<SigningKey> keys) {
    this.keys = List.copyOf(keys);
    Set<String> kids = new HashSet<>();
    List<SigningKey> active = new ArrayList<>();
    for (SigningKey key : this.keys) {
      if (!kids.add(key.kid())) {
        throw new IllegalArgumentException("the key ring holds key " + key.kid() + " twice");
      }
      if (key.isActive()) {
        active.add(key);
      }
    }
    if (active.isEmpty() || active.size() > 2) {
      throw new IllegalArgumentException(
          "a key ring needs one active key and at most one next key, this one has "
              + active.size()
              + " keys that are not retired");
    }
    this.activeKey = active.get(0);
    this.nextKey = active.size() == 2 ? Optional.of(active.get(1)) : Optional.empty();
    this.verificationKeys = verificationKeys(this.keys);
    if (nextKey.isPresent() && !nextKey.get().createdAt().isAfter(activeKey.createdAt())) {
      throw new IllegalArgumentException(
          "the next key " + nextKey.get().kid() + " must start signing after the active key");
    }
  }

  /** A ring with one freshly generated key. */
  public static KeyRing create(Instant now, SecureRandom random) {
    return new KeyRing(List.of(SigningKey.generate(now, random)));
  }

  public List<SigningKey> keys() {
    return keys;
  }

  /** The key that signs new tokens. */
  public SigningKey activeKey() {
    return activeKey;
  }

  /** The key published ahead of its turn, which signs from its {@code createdAt} on. */
  public Optional<SigningKey> nextKey() {
    return nextKey;
  }

  /**
   * The public half of key {@code kid}, decoded for verifying (a token read back from a Secret);
   * empty when the ring has no such key or its public key is not a valid Ed25519 point.
   */
  public Optional<TrustedKey> verificationKey(String kid) {
    return Optional.ofNullable(verificationKeys.get(kid));
  }

  /** The JWKS workloads read ({@code jwks.json}): every key of the ring, retired ones included. */
  public String publicJwks() {
    return Jwks.write(keys.stream().map(SigningKey::publicKey).toList());
  }

  private static Map<String, TrustedKey> verificationKeys(List<SigningKey> keys) {
    Map<String, TrustedKey> byKid = new HashMap<>();
    for (SigningKey key : keys) {
      try {
        byKid.put(key.kid(), TrustedKey.ed25519(key.publicKey()));
      } catch (IllegalArgumentException notAPoint) {
        // Verifies nothing, so a token it "signed" is reissued rather than trusted.
      }
    }
    return Map.copyOf(byKid);
  }

  public Optional<SigningKey> byKid(String kid) {
    return keys.stream().filter(key -> key.kid().equals(kid)).findFirst();
  }

  /** {@link #rotateIfDue(Instant, Duration, Duration, SecureRandom)} without publishing ahead. */
  public KeyRing rotateIfDue(Instant now, Duration rotationPeriod, SecureRandom random) {
    return rotateIfDue(now, rotationPeriod, Duration.ZERO, random);
  }

  /**
   * Rotates in two steps. From {@code publishAhead} before the active key is {@code rotationPeriod}
   * old, a next key exists (published with the ring) that will sign from the rotation time on; once
   * that time has come, the next key becomes active and the old one is retired at that time. If the
   * ring was not looked at in time, the new key signs at once. The lead is at most half the period.
   * A zero or negative period disables rotation.
   *
   * @return {@code this} when nothing is due
   */
  public KeyRing rotateIfDue(
      Instant now, Duration rotationPeriod, Duration publishAhead, SecureRandom random) {
    Optional<Instant> rotationAt = nextRotationAt(rotationPeriod);
    if (rotationAt.isEmpty()) {
      return this;
    }
    KeyRing ring = this;
    Duration lead =
        publishAhead.compareTo(rotationPeriod.dividedBy(2)) > 0
            ? rotationPeriod.dividedBy(2)
            : publishAhead;
    if (nextKey.isEmpty() && !now.isBefore(rotationAt.get().minus(lead))) {
      Instant startsSigning = rotationAt.get().isAfter(now) ? rotationAt.get() : now;
      List<SigningKey> withNext = new ArrayList<>(keys);
      withNext.add(SigningKey.generate(startsSigning, random));
      ring = new KeyRing(withNext);
    }
    Optional<SigningKey> next = ring.nextKey;
    if (next.isPresent() && !now.isBefore(next.get().createdAt())) {
      Instant handover = next.get().createdAt();
      SigningKey outgoing = ring.activeKey;
      ring =
          new KeyRing(
              ring.keys.stream().map(key -> key == outgoing ? key.retire(handover) : key).toList());
    }
    return ring;
  }

  /**
   * Whether {@link #rotateIfDue(Instant, Duration, Duration, SecureRandom)} would change the ring.
   */
  public boolean rotationDue(Instant now, Duration rotationPeriod, Duration publishAhead) {
    Optional<Instant> rotationAt = nextRotationAt(rotationPeriod);
    if (rotationAt.isEmpty()) {
      return false;
    }
    Duration lead =
        publishAhead.compareTo(rotationPeriod.dividedBy(2)) > 0
            ? rotationPeriod.dividedBy(2)
            : publishAhead;
    return nextKey.isPresent()
        ? !now.isBefore(nextKey.get().createdAt())
        : !now.isBefore(rotationAt.get().minus(lead));
  }

  /**
   * Drops retired keys once {@code retiredAt + maxTokenLifetime < now}: every token such a key
   * signed was issued before it retired and has expired since, so nothing needs it to verify.
   *
   * @return {@code this} when no key is dropped
   */
  public KeyRing pruneRetired(Instant now, Duration maxTokenLifetime) {
    List<SigningKey> kept =
        keys.stream()
            .filter(key -> key.isActive() || !key.retiredAt().plus(maxTokenLifetime).isBefore(now))
            .toList();
    return kept.size() == keys.size() ? this : new KeyRing(kept);
  }

  /**
   * The ring without {@code revoked} keys (a key compromise). When the active key goes, the next
   * key signs in its place, or a fresh key from {@code now}; either signs only once it is published
   * (the reconciler's signing-key gate), so no verifier meets a key it was never shown.
   *
   * @return {@code this} when the ring holds none of them
   */
  public KeyRing withoutKeys(Set<String> revoked, Instant now, SecureRandom random) {
    List<SigningKey> kept = keys.stream().filter(key -> !revoked.contains(key.kid())).toList();
    if (kept.size() == keys.size()) {
      return this;
    }
    List<SigningKey> next = new ArrayList<>(kept);
    if (kept.stream().noneMatch(SigningKey::isActive)) {
      next.add(SigningKey.generate(now, random));
    }
    return new KeyRing(next);
  }

  /**
   * When the active key becomes due for rotation, so a reconciler can schedule itself; empty when
   * rotation is disabled by a zero or negative period.
   */
  public Optional<Instant> nextRotationAt(Duration rotationPeriod) {
    if (rotationPeriod.isZero() || rotationPeriod.isNegative()) {
      return Optional.empty();
    }
    return Optional.of(activeKey.createdAt().plus(rotationPeriod));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KeyRing that && keys.equals(that.keys);
  }

  @Override
  public int hashCode() {
    return Objects.hash(keys);
  }

  @Override
  public String toString() {
    return "KeyRing[active="
        + activeKey.kid()
        + nextKey.map(key -> ", next=" + key.kid()).orElse("")
        + ", kids="
        + keys.stream().map(SigningKey::kid).toList()
        + "]";
  }
}
