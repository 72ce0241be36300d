package dev.apitoken.verifier;

import static dev.apitoken.verifier.HostileText.KEY;
import static dev.apitoken.verifier.HostileText.assertSafe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.UntrustedText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9 item 8: a value nobody vouched for reaches text (usage log, verdicts handed to listeners,
 * CLI output, exception messages) only bounded and as printable ASCII. The usage log and the CLI
 * are checked in the verifier-tools module (UsageLogTest, VerifyCommandTest).
 */
class UntrustedTextTest {
  @Test
  void aHostileMemberNameInJwksIsEscapedInTheLoadError() {
    String jwks =
        "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k\",\"x\":\"x\",\"\\u2028"
            + "B".repeat(5_000)
            + "\":1}]}";

    assertThatThrownBy(() -> TokenVerifier.builder().trust(jwks, null).acceptAnyIssuer().build())
        .isInstanceOf(TrustLoadException.class)
        .satisfies(e -> assertSafe(e.getMessage(), 300))
        .hasMessageContaining("unexpected member \"\\u2028BBB");
  }

  @Test
  void aJsonParserMessageQuotingTheFileIsEscaped() {
    String statusList = "{\"bits\":1,\"lst\":\"AA\",\"uri\":\"u\"}\u2028" + "C".repeat(5_000);

    assertThatThrownBy(
            () ->
                TokenVerifier.builder()
                    .trust(TestKey.jwks(KEY), statusList)
                    .acceptAnyIssuer()
                    .build())
        .isInstanceOf(TrustLoadException.class)
        .satisfies(e -> assertSafe(e.getMessage(), 600));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "plain-kid_123",
        "\u2028",
        "\u0085",
        "\r\n",
        "\u001b[31m",
        "\ud83d\ude00",
        "\ud800",
        "quote\" and back\\slash",
      })
  void escapesToPrintableAsciiAndIsIdempotent(String value) {
    String once = UntrustedText.escape(value);
    assertSafe(once, UntrustedText.DEFAULT_MAX_LENGTH);
    assertThat(UntrustedText.escape(once)).isEqualTo(once);
  }

  @Test
  void keepsSafeShortValuesAsTheyAre() {
    assertThat(UntrustedText.escape("6RiTuO6K1-ndcUHupp8D-hP3HMZr1rgg3c3b-_yKDsk"))
        .isEqualTo("6RiTuO6K1-ndcUHupp8D-hP3HMZr1rgg3c3b-_yKDsk");
    assertThat(UntrustedText.escape(null)).isNull();
    assertThat(UntrustedText.escape("a\u2028b")).isEqualTo("a\\u2028b");
  }

  @Test
  void truncatesLongValuesWithinTheLimitAndSaysHowMuchWasCut() {
    for (int length = 100; length < 140; length++) {
      for (String unit : new String[] {"a", "\u2028"}) {
        String value = unit.repeat(length);
        String escaped = UntrustedText.escape(value, 128);
        assertSafe(escaped, 128);
        assertThat(UntrustedText.escape(escaped, 128)).isEqualTo(escaped);
        if (escaped.length() < value.length() * (unit.equals("a") ? 1 : 6)) {
          assertThat(escaped).endsWith(" chars)");
        }
      }
    }
    assertThat(UntrustedText.escape("a".repeat(5_000))).endsWith("...(+4894 chars)");
  }
}
