package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RevokedKidsTest {
  private static final Instant SEEN = Instant.parse("2026-02-01T00:00:00Z");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "null",
      value = {
        "no record               | null                                          | ''",
        "blank                   | '  '                                          | ''",
        "one                     | a=2026-01-01T00:00:00Z                        | a=2026-01-01T00:00:00Z",
        "sorted by kid           | b=2026-01-02T00:00:00Z,a=2026-01-01T00:00:00Z | a=2026-01-01T00:00:00Z,b=2026-01-02T00:00:00Z",
        "spaces around entries   | ' a = 2026-01-01T00:00:00Z , '                | a=2026-01-01T00:00:00Z",
        "fractions dropped       | a=2026-01-01T00:00:00.750Z                    | a=2026-01-01T00:00:00Z",
        "time missing: seen now  | a                                             | a=2026-02-01T00:00:00Z",
        "time unreadable         | a=yesterday                                   | a=2026-02-01T00:00:00Z",
        "same kid twice: later   | a=2026-01-01T00:00:00Z,a=2026-01-05T00:00:00Z | a=2026-01-05T00:00:00Z",
        "not a kid: skipped      | 'a b=2026-01-01T00:00:00Z,=x,c=2026-01-01T00:00:00Z' | c=2026-01-01T00:00:00Z",
      })
  void readsAndWritesTheRecordText(String why, String text, String written) {
    RevokedKids kids = RevokedKids.parse(text, SEEN);
    assertThat(kids.format()).as(why).isEqualTo(written);
    assertThat(RevokedKids.parse(kids.format(), SEEN)).as("round trip").isEqualTo(kids);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "disjoint: both kept     | a=2026-01-01T00:00:00Z | b=2026-01-02T00:00:00Z | a=2026-01-01T00:00:00Z,b=2026-01-02T00:00:00Z",
        "one side empty          | a=2026-01-01T00:00:00Z | ''                     | a=2026-01-01T00:00:00Z",
        "same kid: later kept    | a=2026-01-01T00:00:00Z | a=2026-01-03T00:00:00Z | a=2026-01-03T00:00:00Z",
      })
  void aUnionNeverLosesAKid(String why, String left, String right, String union) {
    RevokedKids a = RevokedKids.parse(left, SEEN);
    RevokedKids b = RevokedKids.parse(right, SEEN);
    assertThat(a.union(b).format()).as(why).isEqualTo(union);
    assertThat(b.union(a)).as("symmetric").isEqualTo(a.union(b));
  }

  @ParameterizedTest(name = "{0} s after the retention")
  @CsvSource({"-1, true", "0, true", "1, false"})
  void aKidIsForgottenOnlyAfterItsRetention(long secondsAfter, boolean kept) {
    Instant revoked = Instant.parse("2026-01-01T00:00:00Z");
    Duration retention = Duration.ofHours(25);
    RevokedKids kids = RevokedKids.none().with("a", revoked).with("b", revoked.plusSeconds(5));
    RevokedKids after =
        kids.forgettingExpired(revoked.plus(retention).plusSeconds(secondsAfter), retention);
    assertThat(after.contains("a")).isEqualTo(kept);
    assertThat(after.contains("b")).as("revoked later, kept longer").isTrue();
  }

  @Test
  void revokingAgainKeepsTheFirstTime() {
    String kid = "a";
    Instant first = Instant.parse("2026-01-01T00:00:00Z");
    RevokedKids kids = RevokedKids.none().with(kid, first).with(kid, first.plusSeconds(60));
    assertThat(kids.revokedAt()).containsEntry(kid, first);
  }
}
