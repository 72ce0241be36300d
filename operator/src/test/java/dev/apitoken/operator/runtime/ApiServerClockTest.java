package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator's time is its node's clock, never ahead of the API server's. */
class ApiServerClockTest {
  private static final Instant SERVER = Instant.parse("2026-01-01T00:00:00Z");

  private static List<String> warningsSince(int from) {
    List<String> lines = CapturedLogs.lines();
    return lines.subList(from, lines.size()).stream()
        .filter(line -> line.contains("event=clock_ahead_of_api_server"))
        .toList();
  }

  @Test
  void aNodeClockAMinuteAheadIsHeldBackToTheApiServersTimeAndSaidOnce() {
    MutableClock node = new MutableClock(SERVER.plusSeconds(60));
    ApiServerClock clock = new ApiServerClock(node);
    int from = CapturedLogs.lines().size();

    clock.observed(SERVER);
    node.advance(Duration.ofSeconds(5));
    clock.observed(SERVER.plusSeconds(5));

    assertThat(clock.instant()).isEqualTo(SERVER.plusSeconds(5));
    assertThat(clock.ahead()).isEqualTo(Duration.ofSeconds(60));
    assertThat(warningsSince(from))
        .singleElement()
        .satisfies(line -> assertThat(line).contains("ahead_seconds=60"));
  }

  @Test
  void aNodeClockBehindOrWithinASecondOrTwoIsLeftAsItIs() {
    MutableClock node = new MutableClock(SERVER);
    ApiServerClock clock = new ApiServerClock(node);

    clock.observed(SERVER.plusSeconds(600));
    assertThat(clock.instant()).isEqualTo(SERVER);
    clock.observed(SERVER.minusMillis(1_500));
    assertThat(clock.instant()).isEqualTo(SERVER);
    assertThat(clock.ahead()).isZero();
  }

  @Test
  void aNodeClockSetRightAgainIsNoLongerHeldBack() {
    MutableClock node = new MutableClock(SERVER.plusSeconds(60));
    ApiServerClock clock = new ApiServerClock(node);
    clock.observed(SERVER);

    node.set(SERVER.plusSeconds(10));
    clock.observed(SERVER.plusSeconds(10));

    assertThat(clock.instant()).isEqualTo(SERVER.plusSeconds(10));
    assertThat(clock.ahead()).isZero();
  }

  @Test
  void theDateOfAResponseIsReadAsHttpWritesIt() {
    assertThat(ApiServerDates.parse("Thu, 01 Jan 2026 00:00:05 GMT"))
        .contains(SERVER.plusSeconds(5));
    assertThat(ApiServerDates.parse("yesterday")).isEmpty();
    assertThat(ApiServerDates.parse(null)).isEmpty();
  }
}
