package dev.apitoken.operator.token;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's signing keys: exactly one active key that signs new tokens, plus retired keys kept
 * only as long as tokens they signed can still be valid. Immutable; every change returns a new
 * ring, or {@code this} when nothing changes so callers can skip writing it back.
 *
 * <p>Keys are held in the order they were created (the active key last after a rotation), and the
 * key ring JSON keeps that order.
 */
public final class KeyRing {

  private final List<SigningKey> keys;
  private final SigningKey activeKey;

  /**
   * @throws IllegalArgumentException unless there is exactly one active key and kids are unique
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
    if (active.size() != 1) {
      throw new IllegalArgumentException(
          "a key ring needs exactly one active key, this one has " + active.size());
    }
    this.activeKey = active.get(0);
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

  public Optional<SigningKey> byKid(String kid) {
    return keys.stream().filter(key -> key.kid().equals(kid)).findFirst();
  }

  /**
   * Replaces the active key once it is {@code rotationPeriod} old: the old key is retired at {@code
   * now} and a new key created at {@code now} becomes active. A zero or negative period disables
   * rotation.
   *
   * @return {@code this} when no rotation is due
   */
  public KeyRing rotateIfDue(Instant now, Duration rotationPeriod, SecureRandom random) {
    Optional<Instant> rotationAt = nextRotationAt(rotationPeriod);
    if (rotationAt.isEmpty() || now.isBefore(rotationAt.get())) {
      return this;
    }
    List<SigningKey> rotated = new ArrayList<>(keys.size() + 1);
    for (SigningKey key : keys) {
      rotated.add(key.isActive() ? key.retire(now) : key);
    }
    rotated.add(SigningKey.generate(now, random));
    return new KeyRing(rotated);
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
        + ", kids="
        + keys.stream().map(SigningKey::kid).toList()
        + "]";
  }
}
