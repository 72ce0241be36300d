package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  static Stream<Arguments> validDurations() {
    return Stream.of(
        Arguments.of("720h", Duration.ofHours(720)),
        Arguments.of("1h30m", Duration.ofMinutes(90)),
        Arguments.of("45s", Duration.ofSeconds(45)),
        Arguments.of("0s", Duration.ZERO),
        Arguments.of("26h3m4s", Duration.parse("P1DT2H3M4S")),
        Arguments.of("30m1h", Duration.ofMinutes(90)),
        Arguments.of("10m10m", Duration.ofMinutes(20)),
        Arguments.of("007s", Duration.ofSeconds(7)),
        Arguments.of("999999999h", Duration.ofHours(999_999_999)));
  }

  @ParameterizedTest
  @MethodSource("validDurations")
  void parsesDurations(String text, Duration expected) {
    assertThat(Durations.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "abc",
        "1",
        "h",
        "1.5h",
        "-1h",
        "+1h",
        "1H",
        "1ms",
        "1w",
        " 1h",
        "1h ",
        "1h 30m",
        "1234567890s",
        "P1D",
        "1d_",
        "1d2h"
      })
  void rejectsWhatIsNotADuration(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "\"" + text + "\" is not a duration: use a number followed by h, m or s, e.g. 720h");
  }

  /** The CRD's CEL duration() has no days; a value in days gets the same value in hours. */
  @Test
  void daysAreRefusedWithTheSameValueInHours() {
    assertThatThrownBy(() -> Durations.parse("30d"))
        .hasMessage(
            "\"30d\" is not a duration: use a number followed by h, m or s, e.g. 720h (days are not"
                + " accepted, as in Kubernetes: write 720h for 30d)");
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> Durations.parse(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("null is not a duration");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "720h",
        "1h30m",
        "90d",
        "45s",
        "0s",
        "30m1h",
        "",
        "abc",
        "1.5h",
        "-1h",
        "1H",
        "1ms",
        "1234567890s",
        "123456789s",
        " 1h",
        "1h\n"
      })
  void acceptsExactlyWhatThePatternMatches(String text) {
    boolean matches = Pattern.compile(Durations.PATTERN).matcher(text).matches();
    assertThat(parses(text)).as("parses %s", text).isEqualTo(matches);
  }

  static boolean parses(String text) {
    try {
      Durations.parse(text);
      return true;
    } catch (IllegalArgumentException notADuration) {
      return false;
    }
  }

  static Stream<Arguments> canonicalForms() {
    return Stream.of(
        Arguments.of(Duration.ofHours(720), "720h"),
        Arguments.of(Duration.ofMinutes(90), "1h30m"),
        Arguments.of(Duration.ofSeconds(45), "45s"),
        Arguments.of(Duration.ZERO, "0s"),
        Arguments.of(Duration.ofDays(90), "2160h"),
        Arguments.of(Duration.ofSeconds(3605), "1h5s"),
        Arguments.of(Duration.ofSeconds(3661), "1h1m1s"),
        Arguments.of(Duration.ofMinutes(59), "59m"));
  }

  @ParameterizedTest
  @MethodSource("canonicalForms")
  void formatsCanonically(Duration duration, String expected) {
    assertThat(Durations.format(duration)).isEqualTo(expected);
  }

  @Test
  void refusesToFormatWhatCannotBeParsedBack() {
    assertThatThrownBy(() -> Durations.format(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Durations.format(Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Durations.format(Duration.ofHours(1_000_000_000L)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
