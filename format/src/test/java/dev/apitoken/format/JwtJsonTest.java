package dev.apitoken.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** What the operator writes is what every verifier reads: one definition, both directions. */
class JwtJsonTest {
  private static final TestSigner SIGNER = new TestSigner(7);

  @Property(tries = 300)
  void everyTokenTheWriterProducesReadsBackAsTheSameClaims(@ForAll("claims") TokenClaims claims) {
    String token = SIGNER.sign(JwtJson.writeHeader(SIGNER.kid()), JwtJson.writePayload(claims));

    CompactJws jws = CompactJws.split(token.getBytes(StandardCharsets.ISO_8859_1));
    JwtJson.Header header = JwtJson.header(jws.header());
    JwtJson.Payload payload = new JwtJson.Payload();
    JwtJson.payload(jws.payload(), payload);

    assertThat(header).isEqualTo(new JwtJson.Header(TrustedKey.EDDSA, SIGNER.kid(), "JWT"));
    assertThat(jws.signedBy(SIGNER.trustedKey(), header.alg())).isTrue();
    assertThat(payload.claims()).isEqualTo(claims);
  }

  @Test
  void writesTheContractsMemberOrder() {
    TokenClaims claims =
        new TokenClaims(
            "https://issuer",
            "team-a/orders",
            List.of("orders"),
            List.of("read", "write"),
            Instant.ofEpochSecond(1_700_000_000),
            Instant.ofEpochSecond(1_700_000_000),
            Instant.ofEpochSecond(1_700_003_600),
            "AAAAAAAAAAAAAAAAAAAAAA",
            5,
            "https://issuer/statuslist");

    assertThat(new String(JwtJson.writePayload(claims), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"iss\":\"https://issuer\",\"sub\":\"team-a/orders\",\"aud\":[\"orders\"],"
                + "\"scope\":\"read write\",\"iat\":1700000000,\"nbf\":1700000000,"
                + "\"exp\":1700003600,\"jti\":\"AAAAAAAAAAAAAAAAAAAAAA\","
                + "\"status\":{\"status_list\":{\"idx\":5,\"uri\":\"https://issuer/statuslist\"}}}");
    assertThat(new String(JwtJson.writeHeader("k1"), StandardCharsets.UTF_8))
        .isEqualTo("{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
  }

  @Test
  void writesCharactersBeyondTheBmpAsFourUtf8BytesAndReadsThemBack() {
    TokenClaims claims =
        new TokenClaims(
            "i",
            "\uD83D\uDE00",
            List.of(),
            List.of(),
            Instant.EPOCH,
            Instant.EPOCH,
            Instant.EPOCH,
            "j",
            0,
            "u");
    byte[] payload = JwtJson.writePayload(claims);

    assertThat(new String(payload, StandardCharsets.UTF_8)).contains("\"sub\":\"\uD83D\uDE00\"");
    JwtJson.Payload read = new JwtJson.Payload();
    JwtJson.payload(payload, read);
    assertThat(read.claims()).isEqualTo(claims);
  }

  @Test
  void oneRuleSetForHeaders() {
    assertThatThrownBy(() -> header("{\"alg\":\"EdDSA\",\"kid\":\"k\",\"typ\":\"statuslist+jwt\"}"))
        .isInstanceOf(MalformedException.class)
        .hasMessage("typ is not JWT");
    assertThatThrownBy(() -> header("{\"alg\":\"EdDSA\",\"kid\":\"k\",\"crit\":[\"b64\"]}"))
        .isInstanceOf(MalformedException.class)
        .hasMessage("unexpected header member crit");
    assertThatThrownBy(() -> header("{\"alg\":\"EdDSA\",\"kid\":\"k\",\"kid\":\"j\"}"))
        .isInstanceOf(MalformedException.class);
    assertThatThrownBy(() -> header("{\"alg\":\"EdDSA\"}"))
        .isInstanceOf(MalformedException.class)
        .hasMessage("header lacks alg or kid");
  }

  @Test
  void aScopeWithOtherWhitespaceIsMalformedNotSplit() {
    JwtJson.Payload payload = new JwtJson.Payload();

    assertThatThrownBy(() -> payload("{\"scope\":\"read\\twrite\"}", payload))
        .isInstanceOf(MalformedException.class);
  }

  @Test
  void aPayloadWithoutStatusHasClaimsButNoTokenClaims() {
    JwtJson.Payload payload = new JwtJson.Payload();
    payload("{\"iss\":\"i\",\"sub\":\"s\",\"iat\":1,\"nbf\":1,\"exp\":2,\"jti\":\"j\"}", payload);

    assertThat(payload.hasRequiredClaims()).isTrue();
    assertThat(payload.hasStatus()).isFalse();
    assertThatThrownBy(payload::claims).isInstanceOf(MalformedException.class);
  }

  @Test
  void aSingleAudienceStringReadsAsAList() {
    JwtJson.Payload payload = new JwtJson.Payload();
    payload("{\"aud\":\"orders\"}", payload);

    assertThat(payload.audiences()).containsExactly("orders");
  }

  @Test
  void aSignatureOverOtherBytesDoesNotVerify() {
    String token =
        SIGNER.sign(
            JwtJson.writeHeader(SIGNER.kid()), "{\"iss\":\"i\"}".getBytes(StandardCharsets.UTF_8));
    String tampered =
        token.substring(0, token.indexOf('.') + 1)
            + Base64Url.encode("{\"iss\":\"j\"}".getBytes(StandardCharsets.UTF_8))
            + token.substring(token.lastIndexOf('.'));

    CompactJws jws = CompactJws.split(tampered.getBytes(StandardCharsets.ISO_8859_1));

    assertThat(jws.signedBy(SIGNER.trustedKey(), TrustedKey.EDDSA)).isFalse();
    assertThat(jws.signedBy(SIGNER.trustedKey(), "HS256"))
        .as("the key decides the algorithm")
        .isFalse();
  }

  @Provide
  Arbitrary<TokenClaims> claims() {
    // Control characters and quotes need escaping; surrogates are left out because a lone one is
    // not text (the reader refuses it, see StrictJsonTextTest in the verifier).
    Arbitrary<String> text =
        Arbitraries.strings().withCharRange('\u0000', '\uD7FF').ofMinLength(1).ofMaxLength(40);
    Arbitrary<String> scope =
        Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(12);
    Arbitrary<Long> seconds = Arbitraries.longs().between(0, StrictJson.MAX_NUMERIC_DATE);
    return Combinators.combine(
            text,
            text,
            text.list().ofMaxSize(3),
            scope.list().ofMaxSize(4),
            seconds,
            seconds,
            Arbitraries.longs().between(0, Long.MAX_VALUE),
            text)
        .as(
            (issuer, subject, audiences, scopes, issuedAt, expiresAt, index, jti) ->
                new TokenClaims(
                    issuer,
                    subject,
                    audiences,
                    scopes,
                    Instant.ofEpochSecond(issuedAt),
                    Instant.ofEpochSecond(issuedAt),
                    Instant.ofEpochSecond(expiresAt),
                    jti,
                    index,
                    "https://" + subject));
  }

  private static JwtJson.Header header(String json) {
    return JwtJson.header(json.getBytes(StandardCharsets.UTF_8));
  }

  private static void payload(String json, JwtJson.Payload into) {
    JwtJson.payload(json.getBytes(StandardCharsets.UTF_8), into);
  }
}
