package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KeyRingDriftTest {
  private static final Duration PERIOD = Duration.ofDays(30);
  private static final Duration MAX_TTL = Duration.ofDays(7);
  private static final SeededSecureRandom RANDOM = new SeededSecureRandom(7);

  private static final KeyRing HELD = KeyRing.create(T0, RANDOM);
  private static final Instant ROTATED_AT = T0.plus(PERIOD);
  private static final KeyRing ROTATED = HELD.rotateIfDue(ROTATED_AT, PERIOD, RANDOM);
  private static final KeyRing OTHER = KeyRing.create(T0, RANDOM);

  record Row(
      String name, KeyRing held, Optional<KeyRing> stored, Instant now, KeyRingDrift expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> rows() {
    Instant afterPrune = ROTATED_AT.plus(MAX_TTL).plusSeconds(1);
    KeyRing pruned = ROTATED.pruneRetired(afterPrune, MAX_TTL);
    return Stream.of(
        new Row("same ring", HELD, Optional.of(HELD), T0, KeyRingDrift.SAME),
        new Row("Secret deleted or unreadable", HELD, Optional.empty(), T0, KeyRingDrift.RESTORE),
        new Row("another replica rotated", HELD, Optional.of(ROTATED), T0, KeyRingDrift.ADOPT),
        new Row(
            "the retired key dropped while its tokens may be valid",
            ROTATED,
            Optional.of(new KeyRing(List.of(ROTATED.activeKey()))),
            ROTATED_AT,
            KeyRingDrift.RESTORE),
        new Row(
            "the retired key pruned once its tokens expired",
            ROTATED,
            Optional.of(pruned),
            afterPrune,
            KeyRingDrift.ADOPT),
        new Row("a ring of other keys", HELD, Optional.of(OTHER), T0, KeyRingDrift.RESTORE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) {
    assertThat(KeyRingDrift.of(row.held(), row.stored(), row.now(), MAX_TTL))
        .isEqualTo(row.expected());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void missingNamesExactlyTheNeededKeysTheStoredRingLacks(Row row) {
    var missing = KeyRingDrift.missing(row.held(), row.stored(), row.now(), MAX_TTL);

    if (row.expected() == KeyRingDrift.RESTORE) {
      assertThat(missing).isNotEmpty();
    } else {
      assertThat(missing).isEmpty();
    }
  }
}
