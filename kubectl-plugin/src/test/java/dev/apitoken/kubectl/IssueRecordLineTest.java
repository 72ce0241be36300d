package dev.apitoken.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The copy of the operator's issue-record line parser reads what the operator writes. */
class IssueRecordLineTest {
  @Test
  void readsARevokedRecordAsTheOperatorWritesIt() {
    // IssueRecord.toLine(): <index> <exp epoch s> <uid> <namespace>/<name> <jti> [R]
    IssueRecordLine r = IssueRecordLine.parse("1025 1767225600 3f2a-uid shop/orders AbC-jti R");
    assertThat(r)
        .isEqualTo(
            new IssueRecordLine(
                1025,
                Instant.parse("2026-01-01T00:00:00Z"),
                "3f2a-uid",
                "shop",
                "orders",
                "AbC-jti",
                true));
  }

  @Test
  void aRecordWithoutTheMarkIsNotRevoked() {
    assertThat(IssueRecordLine.parse("7 1767225600 u ns/n -").revoked()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "7 1767225600 u ns/n", "7 x u ns/n j", "7 1 u nsn j", "7 1 u ns/n j X"})
  void refusesWhatIsNoRecord(String line) {
    assertThatThrownBy(() -> IssueRecordLine.parse(line))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aShardSkipsBadLinesAndCountsThem() {
    int[] skipped = {0};
    var records =
        IssueRecordLine.parseShard(
            Map.of(
                "format", "apitoken.dev/issue-records-v1",
                "records", "1 10 u a/b j R\ngarbage\n2 10 u a/b k\n"),
            skipped);
    assertThat(records).hasSize(2);
    assertThat(skipped[0]).isEqualTo(1);
    assertThatThrownBy(() -> IssueRecordLine.parseShard(Map.of("format", "other"), skipped))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
