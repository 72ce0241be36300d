package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

class DurationsProperties {

  private static final Pattern DURATION = Pattern.compile(Durations.PATTERN);

  @Property
  void formatThenParseGivesTheSameDuration(
      @ForAll @LongRange(min = 0, max = 999_999_999L * 3600 + 3599) long seconds) {
    Duration duration = Duration.ofSeconds(seconds);
    String text = Durations.format(duration);
    assertThat(DURATION.matcher(text).matches()).as(text).isTrue();
    assertThat(Durations.parse(text)).isEqualTo(duration);
  }

  @Property
  void parseThenFormatIsCanonical(@ForAll("durationTexts") String text) {
    Duration parsed = Durations.parse(text);
    String canonical = Durations.format(parsed);
    assertThat(Durations.parse(canonical)).isEqualTo(parsed);
    assertThat(Durations.format(Durations.parse(canonical))).isEqualTo(canonical);
  }

  @Property
  void parseAcceptsExactlyThePattern(
      @ForAll
          @Chars({'0', '1', '9', 'd', 'h', 'm', 's', 'x', '.', '-', ' '})
          @StringLength(max = 14)
          String text) {
    assertThat(DurationsTest.parses(text)).isEqualTo(DURATION.matcher(text).matches());
  }

  @Property
  void generatedDurationTextsMatchThePattern(@ForAll("durationTexts") String text) {
    assertThat(DURATION.matcher(text).matches()).isTrue();
  }

  @Provide
  Arbitrary<String> durationTexts() {
    Arbitrary<String> part =
        Arbitraries.longs()
            .between(0, 99_999)
            .flatMap(amount -> Arbitraries.of("h", "m", "s").map(unit -> amount + unit));
    return part.list().ofMinSize(1).ofMaxSize(4).map(parts -> String.join("", parts));
  }
}
