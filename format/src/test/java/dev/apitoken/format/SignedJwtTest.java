package dev.apitoken.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one reading path: each step stops it with its own problem, in this order. */
class SignedJwtTest {
  private static final TestSigner SIGNER = new TestSigner(21);
  private static final TestSigner OTHER = new TestSigner(22);
  private static final TokenClaims CLAIMS =
      new TokenClaims(
          "https://issuer",
          "team-a/orders",
          List.of("orders"),
          List.of("read"),
          Instant.ofEpochSecond(1_000),
          Instant.ofEpochSecond(1_000),
          // Long expired: reading does not apply the validity window.
          Instant.ofEpochSecond(2_000),
          "jti-1",
          3,
          "https://issuer/statuslist");

  @Test
  void aTokenSignedByTheNamedKeyIsReadExpiredOrNot() {
    SignedJwt read = read(SIGNER.sign(JwtJson.writeHeader(SIGNER.kid()), payload(CLAIMS)));

    assertThat(read.problem()).isNull();
    assertThat(read.key().kid()).isEqualTo(SIGNER.kid());
    assertThat(read.payload().claims()).isEqualTo(CLAIMS);
  }

  @Test
  void eachStepHasItsProblem() {
    assertThat(read("not a token").problem()).isEqualTo(SignedJwt.Problem.MALFORMED);
    assertThat(read(OTHER.sign(JwtJson.writeHeader(OTHER.kid()), payload(CLAIMS))).problem())
        .isEqualTo(SignedJwt.Problem.UNKNOWN_KEY);
    assertThat(read(OTHER.sign(JwtJson.writeHeader(SIGNER.kid()), payload(CLAIMS))).problem())
        .isEqualTo(SignedJwt.Problem.BAD_SIGNATURE);
    assertThat(
            read(SIGNER.sign(
                    utf8("{\"alg\":\"ES256\",\"kid\":\"" + SIGNER.kid() + "\"}"), payload(CLAIMS)))
                .problem())
        .as("the key decides the algorithm")
        .isEqualTo(SignedJwt.Problem.BAD_SIGNATURE);
    assertThat(
            read(SIGNER.sign(JwtJson.writeHeader(SIGNER.kid()), utf8("{\"iss\":\"i\"}"))).problem())
        .as("a required claim missing")
        .isEqualTo(SignedJwt.Problem.MALFORMED_PAYLOAD);
  }

  @Test
  void aBrokenPayloadKeepsWhatWasReadBeforeTheProblem() {
    SignedJwt read =
        read(
            SIGNER.sign(
                JwtJson.writeHeader(SIGNER.kid()),
                utf8("{\"jti\":\"jti-9\",\"sub\":\"s\",\"iat\":\"not a number\"}")));

    assertThat(read.problem()).isEqualTo(SignedJwt.Problem.MALFORMED_PAYLOAD);
    assertThat(read.payload().jti()).isEqualTo("jti-9");
    assertThat(read.payload().subject()).isEqualTo("s");
  }

  private static SignedJwt read(String token) {
    return SignedJwt.read(
        token.getBytes(StandardCharsets.ISO_8859_1),
        kid -> kid.equals(SIGNER.kid()) ? SIGNER.trustedKey() : null);
  }

  private static byte[] payload(TokenClaims claims) {
    return JwtJson.writePayload(claims);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
