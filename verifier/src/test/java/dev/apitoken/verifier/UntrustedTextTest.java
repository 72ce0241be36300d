package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.verifier.cli.VerifyCommand;
import dev.apitoken.verifier.sample.UsageLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9 item 8: a value nobody vouched for reaches text (usage log, verdicts handed to listeners,
 * CLI output, exception messages) only bounded and as printable ASCII.
 */
class UntrustedTextTest {
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TestKey UNKNOWN = TestKey.fromSeed(99);

  /** The attack of the issue: 5,000+ characters with raw line separators, forging a usage line. */
  static final String HOSTILE_KID =
      "x\u2028usage verdict=VALID sub=admin\u0085\r\n\u001b[2J\u202e"
          + "A".repeat(5_000)
          + "\u2028";

  @TempDir Path dir;

  static String tokenWithKid(String kid) {
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":" + jsonString(kid) + "}";
    return new TokenFactory(UNKNOWN).token(header, claims(3).toJson());
  }

  private static String jsonString(String value) {
    StringBuilder out = new StringBuilder("\"");
    // Raw, as the attacker sends them; JSON only insists on escaping the C0 controls.
    value.chars().forEach(c -> out.append(c < ' ' ? String.format("\\u%04x", c) : (char) c));
    return out.append('"').toString();
  }

  private static void assertSafe(String text, int maxLength) {
    assertThat(text.length()).isLessThanOrEqualTo(maxLength);
    assertThat(text.chars()).allMatch(c -> c >= ' ' && c <= '~', "printable ASCII");
  }

  @Test
  void anUnknownHostileKidReachesTheUsageLogBoundedAndEscaped() {
    List<String> usage = new ArrayList<>();
    TokenVerifier verifier =
        TokenVerifier.builder()
            .trust(TestKey.jwks(KEY), TokenFactory.statusListJson())
            .expectedIssuer(ISSUER)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .listener(new UsageLog(usage::add))
            .build();

    Verdict verdict = verifier.verify(tokenWithKid(HOSTILE_KID));

    assertThat(verdict.rejection()).contains(Rejection.UNKNOWN_KEY);
    assertSafe(verdict.kid(), UntrustedText.DEFAULT_MAX_LENGTH);
    assertThat(verdict.kid()).startsWith("x\\u2028usage verdict=VALID").endsWith(" chars)");
    assertThat(usage).singleElement().satisfies(line -> assertSafe(line, 300));
    assertThat(usage.get(0))
        .startsWith("usage verdict=REJECTED reason=UNKNOWN_KEY kid=\"x\\\\u2028usage");
  }

  @Test
  void theCliPrintsAHostileKidEscaped() throws Exception {
    Files.writeString(dir.resolve("jwks.json"), TestKey.jwks(KEY));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String token = tokenWithKid(HOSTILE_KID);

    int exit =
        VerifyCommand.run(
            new String[] {"verify", "--trust-dir", dir.toString()},
            new ByteArrayInputStream(token.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

    assertThat(exit).isEqualTo(VerifyCommand.REJECTED);
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(3).allSatisfy(line -> assertSafe(line, 600));
    assertThat(lines.get(2)).startsWith("kid         x\\u2028usage verdict=VALID");
  }

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
