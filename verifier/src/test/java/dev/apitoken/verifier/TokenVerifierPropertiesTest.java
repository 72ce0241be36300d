package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.AUDIENCE;
import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Whatever is done to a good token, the result is never accepted and verify never throws. */
class TokenVerifierPropertiesTest {
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final String VALID = TOKENS.token(TokenFactory.claims(3));
  static final TokenVerifier VERIFIER =
      TokenVerifier.builder()
          .trust(TestKey.jwks(KEY), TokenFactory.statusListJson(7))
          .expectedIssuer(ISSUER)
          .expectedAudience(AUDIENCE)
          .clock(Clock.fixed(NOW, ZoneOffset.UTC))
          .build();

  @Property(tries = 1)
  void theUnmutatedTokenIsAccepted() {
    assertThat(VERIFIER.verify(VALID).isAccepted()).isTrue();
  }

  @Property(tries = 1000)
  void aBitFlipAnywhereIsRejected(
      @ForAll @IntRange(min = 0, max = 10_000) int position,
      @ForAll @IntRange(min = 0, max = 15) int bit) {
    char[] chars = VALID.toCharArray();
    int at = position % chars.length;
    chars[at] = (char) (chars[at] ^ (1 << bit));

    assertRejected(new String(chars));
  }

  @Property(tries = 300)
  void aTruncatedTokenIsRejected(@ForAll @IntRange(min = 0, max = 10_000) int length) {
    assertRejected(VALID.substring(0, length % VALID.length()));
  }

  @Provide
  Arbitrary<String> edits() {
    Arbitrary<Integer> position = Arbitraries.integers().between(0, VALID.length() - 1);
    Arbitrary<Character> character = Arbitraries.chars().all();
    return Arbitraries.oneOf(
        Combinators.combine(position, character)
            .as((at, c) -> VALID.substring(0, at) + c + VALID.substring(at)),
        position.map(at -> VALID.substring(0, at) + VALID.substring(at + 1)),
        Combinators.combine(position, character)
            .as((at, c) -> VALID.substring(0, at) + c + VALID.substring(at + 1)),
        Combinators.combine(position, position)
            .as(
                (a, b) -> {
                  char[] chars = VALID.toCharArray();
                  char t = chars[a];
                  chars[a] = chars[b];
                  chars[b] = t;
                  return new String(chars);
                }));
  }

  @Property(tries = 1000)
  void anEditedTokenIsRejected(@ForAll("edits") String edited) {
    if (!edited.equals(VALID)) {
      assertRejected(edited);
    }
  }

  @Provide
  Arbitrary<String> randomTokens() {
    Arbitrary<String> part = Arbitraries.strings().withCharRange('-', 'z').ofMaxLength(120);
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(300),
        Arbitraries.strings().all().ofMaxLength(9000),
        Combinators.combine(part, part, part).as((h, p, s) -> h + "." + p + "." + s),
        Combinators.combine(part, part)
            .as((p, s) -> TokenFactory.b64(TOKENS.headerJson()) + "." + p + "." + s));
  }

  @Property(tries = 1000)
  void aRandomStringIsRejected(@ForAll("randomTokens") String token) {
    assertRejected(token);
  }

  @Provide
  Arbitrary<Object> wrongValues() {
    return Arbitraries.of(
        "null", true, 1.5, Map.of(), List.of(1), -1, BigInteger.TWO.pow(70), List.of(List.of()));
  }

  /** Well signed, but one claim has a value of the wrong type or range. */
  @Property(tries = 300)
  void aSignedTokenWithAWrongClaimTypeIsRejected(
      @ForAll("claimNames") String claim, @ForAll("wrongValues") Object value) {
    Object json = "null".equals(value) ? null : value;
    assertRejected(TOKENS.token(TokenFactory.claims(3).set(claim, json)));
  }

  @Provide
  Arbitrary<String> claimNames() {
    return Arbitraries.of("iss", "sub", "aud", "scope", "iat", "nbf", "exp", "jti", "status");
  }

  private static void assertRejected(String token) {
    Verdict verdict = VERIFIER.verify(token);
    assertThat(verdict).isNotNull();
    assertThat(verdict.isAccepted()).as("accepted: %s", verdict).isFalse();
  }
}
