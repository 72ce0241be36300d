package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.Base64Url;
import dev.apitoken.format.TokenClaims;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TokenReaderTest {

  private static final SigningKey KEY = SigningKey.generate(T0, new SeededSecureRandom(11));
  private static final KeyRing RING = new KeyRing(List.of(KEY));
  private static final TokenClaims CLAIMS = Fixtures.claims().build();
  private static final String TOKEN = TokenSigner.sign(CLAIMS, KEY).value();

  @Test
  void verifiesATokenSignedByAKeyInTheRing() {
    assertThat(TokenReader.verify(TOKEN, RING)).contains(CLAIMS);
    assertThat(TokenReader.parseUnverified(TOKEN)).contains(CLAIMS);
  }

  @Test
  void verifiesTokensOfRetiredKeysUntilTheyArePruned() {
    Duration period = Duration.ofDays(30);
    KeyRing rotated = RING.rotateIfDue(T0.plus(period), period, new SeededSecureRandom(12));

    assertThat(TokenReader.verify(TOKEN, rotated)).contains(CLAIMS);
    KeyRing pruned =
        rotated.pruneRetired(T0.plus(period).plus(Duration.ofDays(2)), Duration.ofDays(1));
    assertThat(TokenReader.verify(TOKEN, pruned)).isEmpty();
  }

  @Test
  void rejectsATokenFromAKeyOutsideTheRing() {
    KeyRing otherRing = KeyRing.create(T0, new SeededSecureRandom(13));

    assertThat(TokenReader.verify(TOKEN, otherRing)).isEmpty();
    assertThat(TokenReader.parseUnverified(TOKEN)).contains(CLAIMS);
  }

  @Test
  void rejectsEveryTamperedPayloadByte() {
    String[] parts = TOKEN.split("\\.");
    byte[] payload = Base64Url.decode(parts[1]);
    for (int i = 0; i < payload.length; i++) {
      byte[] tampered = payload.clone();
      tampered[i] ^= 0x01;
      String token = parts[0] + "." + Base64Url.encode(tampered) + "." + parts[2];

      assertThat(TokenReader.verify(token, RING)).as("payload byte %d flipped", i).isEmpty();
    }
  }

  @Test
  void rejectsATamperedSignature() {
    String[] parts = TOKEN.split("\\.");
    byte[] signature = Base64Url.decode(parts[2]);
    signature[10] ^= 0x40;

    String token = parts[0] + "." + parts[1] + "." + Base64Url.encode(signature);

    assertThat(TokenReader.verify(token, RING)).isEmpty();
  }

  @Test
  void rejectsAPayloadFromAnotherTokenUnderThisSignature() {
    String other = TokenSigner.sign(Fixtures.claims().statusIndex(8).build(), KEY).value();
    String[] parts = TOKEN.split("\\.");

    String spliced = parts[0] + "." + other.split("\\.")[1] + "." + parts[2];

    assertThat(TokenReader.verify(spliced, RING)).isEmpty();
    assertThat(TokenReader.parseUnverified(spliced)).isPresent();
  }

  static Stream<Arguments> badHeaders() {
    String kid = KEY.kid();
    return Stream.of(
        Arguments.of("alg none", "{\"alg\":\"none\",\"kid\":\"" + kid + "\"}"),
        Arguments.of("alg Ed25519", "{\"alg\":\"Ed25519\",\"kid\":\"" + kid + "\"}"),
        Arguments.of("alg lower case", "{\"alg\":\"eddsa\",\"kid\":\"" + kid + "\"}"),
        Arguments.of("no kid", "{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}"),
        Arguments.of("kid not a string", "{\"alg\":\"EdDSA\",\"kid\":1}"),
        Arguments.of("unknown kid", "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"nope\"}"),
        Arguments.of(
            "critical extension",
            "{\"alg\":\"EdDSA\",\"kid\":\"" + kid + "\",\"crit\":[\"exp\"],\"exp\":1}"),
        Arguments.of(
            "duplicate alg", "{\"alg\":\"none\",\"alg\":\"EdDSA\",\"kid\":\"" + kid + "\"}"),
        Arguments.of("not an object", "[\"EdDSA\"]"),
        Arguments.of("not json", "EdDSA"));
  }

  /** Re-signs with the right key under a bad header, so only the header is wrong. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("badHeaders")
  void rejectsUnexpectedHeaders(String name, String headerJson) {
    String signingInput =
        Base64Url.encode(headerJson.getBytes(StandardCharsets.UTF_8)) + "." + TOKEN.split("\\.")[1];
    String token =
        signingInput
            + "."
            + Base64Url.encode(KEY.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));

    assertThat(TokenReader.verify(token, RING)).isEmpty();
  }

  @Test
  void acceptsAHeaderWithoutTyp() {
    String signingInput =
        Base64Url.encode(
                ("{\"kid\":\"" + KEY.kid() + "\",\"alg\":\"EdDSA\"}")
                    .getBytes(StandardCharsets.UTF_8))
            + "."
            + TOKEN.split("\\.")[1];
    String token =
        signingInput
            + "."
            + Base64Url.encode(KEY.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));

    assertThat(TokenReader.verify(token, RING)).contains(CLAIMS);
  }

  static Stream<String> malformedPayloads() {
    String status = ",\"status\":{\"status_list\":{\"idx\":1,\"uri\":\"u\"}}";
    String times = ",\"iat\":1,\"nbf\":1,\"exp\":2,\"jti\":\"j\"";
    return Stream.of(
        "[]",
        "{}",
        "{\"iss\":\"i\",\"sub\":\"s\"" + times + "}",
        "{\"sub\":\"s\"" + times + status + "}",
        "{\"iss\":1,\"sub\":\"s\"" + times + status + "}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":[1]" + times + status + "}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"iat\":1.5,\"nbf\":1,\"exp\":2,\"jti\":\"j\"" + status + "}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"iat\":\"1\",\"nbf\":1,\"exp\":2,\"jti\":\"j\""
            + status
            + "}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"iat\":1e400,\"nbf\":1,\"exp\":2,\"jti\":\"j\""
            + status
            + "}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"iat\":99999999999999999999,\"nbf\":1,\"exp\":2,\"jti\":\"j\""
            + status
            + "}",
        "{\"iss\":\"i\",\"sub\":\"s\""
            + times
            + ",\"status\":{\"status_list\":{\"idx\":-1,\"uri\":\"u\"}}}",
        "{\"iss\":\"i\",\"sub\":\"s\"" + times + ",\"status\":{\"status_list\":{\"uri\":\"u\"}}}",
        "{\"iss\":\"i\",\"sub\":\"s\"" + times + ",\"status\":{\"status_list\":{\"idx\":1}}}",
        "{\"iss\":\"i\",\"iss\":\"j\",\"sub\":\"s\"" + times + status + "}",
        "{\"iss\":\"i\",\"sub\":\"s\"" + times + status + "}x");
  }

  @ParameterizedTest
  @MethodSource("malformedPayloads")
  void rejectsMalformedPayloadsEvenWhenSigned(String payloadJson) {
    String token = signedWithPayload(payloadJson);

    assertThat(TokenReader.parseUnverified(token)).isEmpty();
    assertThat(TokenReader.verify(token, RING)).isEmpty();
  }

  /**
   * The verifier's rule set, which the operator now shares: a single audience may be a plain string
   * (RFC 7519), an empty scope is no scope, and runs of spaces separate scopes.
   */
  @Test
  void readsPayloadsTheWayEveryVerifierReadsThem() {
    String status = ",\"status\":{\"status_list\":{\"idx\":1,\"uri\":\"u\"}}";
    String times = ",\"iat\":1,\"nbf\":1,\"exp\":2,\"jti\":\"j\"";

    assertThat(
            TokenReader.verify(
                signedWithPayload(
                    "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"single\"" + times + status + "}"),
                RING))
        .hasValueSatisfying(claims -> assertThat(claims.audiences()).containsExactly("single"));
    assertThat(
            TokenReader.verify(
                signedWithPayload(
                    "{\"iss\":\"i\",\"sub\":\"s\",\"scope\":\"a  b\"" + times + status + "}"),
                RING))
        .hasValueSatisfying(claims -> assertThat(claims.scopes()).containsExactly("a", "b"));
    assertThat(
            TokenReader.verify(
                signedWithPayload(
                    "{\"iss\":\"i\",\"sub\":\"s\",\"scope\":\"\"" + times + status + "}"),
                RING))
        .hasValueSatisfying(claims -> assertThat(claims.scopes()).isEmpty());
  }

  private static String signedWithPayload(String payloadJson) {
    String signingInput =
        TOKEN.split("\\.")[0]
            + "."
            + Base64Url.encode(payloadJson.getBytes(StandardCharsets.UTF_8));
    return signingInput
        + "."
        + Base64Url.encode(KEY.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void readsAMinimalPayload() {
    String payloadJson =
        "{\"iss\":\"i\",\"sub\":\"s\",\"iat\":1,\"nbf\":1,\"exp\":2,\"jti\":\"j\","
            + "\"status\":{\"status_list\":{\"idx\":0,\"uri\":\"u\"}}}";
    String token =
        TOKEN.split("\\.")[0]
            + "."
            + Base64Url.encode(payloadJson.getBytes(StandardCharsets.UTF_8))
            + ".AA";

    assertThat(TokenReader.parseUnverified(token))
        .hasValueSatisfying(
            claims -> {
              assertThat(claims.audiences()).isEmpty();
              assertThat(claims.scopes()).isEmpty();
              assertThat(claims.statusIndex()).isZero();
            });
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        ".",
        "..",
        "a.b.c",
        "a.b",
        "a.b.c.d",
        "eyJ9.eyJ9.",
        "....",
        "%%%.%%%.%%%",
        "ey.ey.ey=",
        " ",
        "\u0000"
      })
  void neverThrowsOnGarbage(String token) {
    assertThat(TokenReader.parseUnverified(token)).isEmpty();
    assertThat(TokenReader.verify(token, RING)).isEmpty();
  }

  @Test
  void rejectsATokenWithAnExtraPart() {
    assertThat(TokenReader.verify(TOKEN + ".x", RING)).isEmpty();
    assertThat(TokenReader.parseUnverified(TOKEN + ".x")).isEmpty();
  }

  @Test
  void rejectsOverlongTokens() {
    String huge = TOKEN.split("\\.")[0] + "." + "A".repeat(20_000) + "." + TOKEN.split("\\.")[2];

    assertThat(TokenReader.parseUnverified(huge)).isEmpty();
  }
}
