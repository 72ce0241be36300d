package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyRingTest {

  private static final Duration ROTATION_PERIOD = Duration.ofDays(30);
  private static final Duration MAX_TOKEN_LIFETIME = Duration.ofDays(7);

  private final SecureRandom random = new SeededSecureRandom(42);

  @Test
  void aNewRingHasOneActiveKey() {
    KeyRing ring = KeyRing.create(T0, random);

    assertThat(ring.keys()).hasSize(1);
    assertThat(ring.activeKey().isActive()).isTrue();
    assertThat(ring.activeKey().createdAt()).isEqualTo(T0);
    assertThat(ring.byKid(ring.activeKey().kid())).contains(ring.activeKey());
    assertThat(ring.byKid("no-such-kid")).isEmpty();
  }

  @Test
  void doesNotRotateBeforeThePeriodHasPassed() {
    KeyRing ring = KeyRing.create(T0, random);

    assertThat(ring.rotateIfDue(T0, ROTATION_PERIOD, random)).isSameAs(ring);
    assertThat(ring.rotateIfDue(T0.plus(ROTATION_PERIOD).minusSeconds(1), ROTATION_PERIOD, random))
        .isSameAs(ring);
  }

  @Test
  void rotatesOnceThePeriodHasPassed() {
    KeyRing ring = KeyRing.create(T0, random);
    SigningKey first = ring.activeKey();
    Instant due = T0.plus(ROTATION_PERIOD);

    KeyRing rotated = ring.rotateIfDue(due, ROTATION_PERIOD, random);

    assertThat(rotated.keys()).hasSize(2);
    assertThat(rotated.activeKey().kid()).isNotEqualTo(first.kid());
    assertThat(rotated.activeKey().createdAt()).isEqualTo(due);
    assertThat(rotated.byKid(first.kid())).contains(first.retire(due));
    assertThat(rotated.keys()).last().isEqualTo(rotated.activeKey());
    assertThat(rotated.nextRotationAt(ROTATION_PERIOD)).contains(due.plus(ROTATION_PERIOD));
  }

  @Test
  void rotationAndPruningOverAYear() {
    KeyRing ring = KeyRing.create(T0, random);
    Instant now = T0;
    for (int day = 1; day <= 365; day++) {
      now = T0.plus(Duration.ofDays(day));
      ring = ring.rotateIfDue(now, ROTATION_PERIOD, random).pruneRetired(now, MAX_TOKEN_LIFETIME);

      assertThat(ring.keys().stream().filter(SigningKey::isActive)).hasSize(1);
      assertThat(Duration.between(ring.activeKey().createdAt(), now)).isLessThan(ROTATION_PERIOD);
    }
    // Rotated every 30 days; a retired key stays 7 days (plus the strict "<"), so at most one.
    assertThat(ring.keys()).hasSizeBetween(1, 2);
    assertThat(ring.activeKey().createdAt()).isEqualTo(T0.plus(Duration.ofDays(360)));
  }

  @Test
  void keepsARetiredKeyWhileTokensItSignedCanBeValid() {
    Instant rotation = T0.plus(ROTATION_PERIOD);
    KeyRing ring = KeyRing.create(T0, random).rotateIfDue(rotation, ROTATION_PERIOD, random);
    Instant lastTokenExpiry = rotation.plus(MAX_TOKEN_LIFETIME);

    assertThat(ring.pruneRetired(rotation, MAX_TOKEN_LIFETIME)).isSameAs(ring);
    assertThat(ring.pruneRetired(lastTokenExpiry, MAX_TOKEN_LIFETIME)).isSameAs(ring);

    KeyRing pruned = ring.pruneRetired(lastTokenExpiry.plusSeconds(1), MAX_TOKEN_LIFETIME);
    assertThat(pruned.keys()).containsExactly(ring.activeKey());
    assertThat(pruned.pruneRetired(lastTokenExpiry.plusSeconds(1), MAX_TOKEN_LIFETIME))
        .isSameAs(pruned);
  }

  @Test
  void neverPrunesTheActiveKey() {
    KeyRing ring = KeyRing.create(T0, random);

    assertThat(ring.pruneRetired(T0.plus(Duration.ofDays(10_000)), Duration.ZERO)).isSameAs(ring);
  }

  @Test
  void nextRotationIsThePeriodAfterTheActiveKeyWasCreated() {
    KeyRing ring = KeyRing.create(T0, random);

    assertThat(ring.nextRotationAt(ROTATION_PERIOD)).contains(T0.plus(ROTATION_PERIOD));
  }

  @Test
  void aZeroPeriodDisablesRotation() {
    KeyRing ring = KeyRing.create(T0, random);

    assertThat(ring.nextRotationAt(Duration.ZERO)).isEmpty();
    assertThat(ring.rotateIfDue(T0.plus(Duration.ofDays(1000)), Duration.ZERO, random))
        .isSameAs(ring);
  }

  @Test
  void requiresOneActiveKeyAndAtMostOneNextKey() {
    SigningKey active = SigningKey.generate(T0, random);
    SigningKey next = SigningKey.generate(T0.plusSeconds(60), random);
    SigningKey third = SigningKey.generate(T0.plusSeconds(120), random);

    assertThatThrownBy(() -> new KeyRing(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 0");
    assertThatThrownBy(() -> new KeyRing(List.of(active, next, third)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 3");
    assertThatThrownBy(() -> new KeyRing(List.of(active.retire(T0))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 0");
    assertThatThrownBy(() -> new KeyRing(List.of(next, active)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start signing after the active key");
    KeyRing ring = new KeyRing(List.of(active, next));
    assertThat(ring.activeKey()).isEqualTo(active);
    assertThat(ring.nextKey()).contains(next);
  }

  @Test
  void publishesTheNextKeyAheadAndHandsOverAtTheRotationTime() {
    Duration period = Duration.ofDays(30);
    Duration ahead = Duration.ofHours(1);
    KeyRing ring = KeyRing.create(T0, random);
    SigningKey first = ring.activeKey();
    Instant rotation = T0.plus(period);

    assertThat(ring.rotationDue(rotation.minus(ahead).minusSeconds(1), period, ahead)).isFalse();
    assertThat(ring.rotateIfDue(rotation.minus(ahead).minusSeconds(1), period, ahead, random))
        .isSameAs(ring);

    KeyRing published = ring.rotateIfDue(rotation.minus(ahead), period, ahead, random);
    assertThat(published.activeKey()).isEqualTo(first);
    SigningKey next = published.nextKey().orElseThrow();
    assertThat(next.createdAt()).isEqualTo(rotation);
    assertThat(published.rotateIfDue(rotation.minusSeconds(1), period, ahead, random))
        .isSameAs(published);

    KeyRing rotated = published.rotateIfDue(rotation, period, ahead, random);
    assertThat(rotated.activeKey()).isEqualTo(next);
    assertThat(rotated.nextKey()).isEmpty();
    assertThat(rotated.byKid(first.kid()).orElseThrow().retiredAt()).isEqualTo(rotation);
  }

  @Test
  void aRingLookedAtTooLateRotatesAtOnce() {
    Duration period = Duration.ofDays(30);
    KeyRing ring = KeyRing.create(T0, random);
    Instant late = T0.plus(period).plus(Duration.ofDays(2));

    KeyRing rotated = ring.rotateIfDue(late, period, Duration.ofHours(1), random);

    assertThat(rotated.activeKey().createdAt()).isEqualTo(late);
    assertThat(rotated.nextKey()).isEmpty();
    assertThat(rotated.byKid(ring.activeKey().kid()).orElseThrow().retiredAt()).isEqualTo(late);
  }

  @Test
  void rejectsTheSameKidTwice() {
    SigningKey active = SigningKey.generate(T0, random);

    assertThatThrownBy(() -> new KeyRing(List.of(active.retire(T0), active)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(active.kid());
  }

  @Test
  void toStringShowsKidsOnly() {
    SigningKey key = Fixtures.rfc8037Key(T0);

    assertThat(new KeyRing(List.of(key)).toString())
        .contains(key.kid())
        .doesNotContain(Fixtures.RFC8037_D);
  }

  @Test
  void revokingTheActiveKeyMakesAFreshKeyThatSignsFromNow() {
    KeyRing ring = KeyRing.create(T0, random);
    String leaked = ring.activeKey().kid();
    Instant now = T0.plus(Duration.ofDays(3));

    KeyRing after = ring.withoutKeys(java.util.Set.of(leaked), now, random);

    assertThat(after.byKid(leaked)).isEmpty();
    assertThat(after.activeKey().kid()).isNotEqualTo(leaked);
    assertThat(after.activeKey().createdAt()).isEqualTo(now);
    assertThat(after.keys()).hasSize(1);
  }

  @Test
  void revokingTheActiveKeyHandsOverToTheNextKeyAlreadyPublished() {
    KeyRing ring =
        KeyRing.create(T0, random)
            .rotateIfDue(
                T0.plus(ROTATION_PERIOD).minusSeconds(60),
                ROTATION_PERIOD,
                Duration.ofHours(1),
                random);
    SigningKey next = ring.nextKey().orElseThrow();

    KeyRing after = ring.withoutKeys(java.util.Set.of(ring.activeKey().kid()), T0, random);

    assertThat(after.activeKey()).isEqualTo(next);
    assertThat(after.keys()).containsExactly(next);
  }

  @Test
  void revokingAKidTheRingDoesNotHoldChangesNothing() {
    KeyRing ring = KeyRing.create(T0, random);
    assertThat(ring.withoutKeys(java.util.Set.of("unknown"), T0, random)).isSameAs(ring);
  }
}
