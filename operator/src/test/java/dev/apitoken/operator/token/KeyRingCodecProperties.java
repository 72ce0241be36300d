package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class KeyRingCodecProperties {

  /** Any ring reachable by creating, rotating and pruning survives a write/read round trip. */
  @Property(tries = 200)
  void roundTripsEveryReachableRing(
      @ForAll long seed,
      @ForAll @LongRange(min = 0, max = 4_000_000_000L) long createdEpochSecond,
      @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 90) Integer> daysBetweenReconciles,
      @ForAll @IntRange(min = 1, max = 60) int rotationPeriodDays,
      @ForAll @IntRange(min = 0, max = 30) int maxTokenLifetimeDays) {
    SeededSecureRandom random = new SeededSecureRandom(seed);
    Duration rotationPeriod = Duration.ofDays(rotationPeriodDays);
    Duration maxTokenLifetime = Duration.ofDays(maxTokenLifetimeDays);
    Instant now = Instant.ofEpochSecond(createdEpochSecond);
    KeyRing ring = KeyRing.create(now, random);
    for (int days : daysBetweenReconciles) {
      now = now.plus(Duration.ofDays(days));
      ring = ring.rotateIfDue(now, rotationPeriod, random).pruneRetired(now, maxTokenLifetime);
    }

    String json = KeyRingCodec.toJson(ring);
    KeyRing read = KeyRingCodec.fromJson(json);

    assertThat(read).isEqualTo(ring);
    assertThat(read.activeKey()).isEqualTo(ring.activeKey());
    assertThat(KeyRingCodec.toJson(read)).isEqualTo(json);
  }
}
