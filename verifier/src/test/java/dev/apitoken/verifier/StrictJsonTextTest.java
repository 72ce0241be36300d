package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TrustLoadException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9 item 9: the JSON of a token and of the trust files is strict UTF-8 text (RFC 8259, RFC
 * 7515, I-JSON): no byte order mark, no other encoding, no unpaired surrogate escape. Tokens here
 * are correctly signed, so only the text rules can reject them.
 */
class StrictJsonTextTest {
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  @TempDir Path dir;

  private static TokenVerifier verifier() {
    return TokenVerifier.builder()
        .trust(TestKey.jwks(KEY), TokenFactory.statusListJson())
        .expectedIssuer(ISSUER)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .build();
  }

  private static String signed(byte[] header, byte[] payload) {
    return TOKENS.signEncoded(TestKey.b64(header), TestKey.b64(payload));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] withBom(String json) {
    byte[] text = utf8(json);
    byte[] out = new byte[BOM.length + text.length];
    System.arraycopy(BOM, 0, out, 0, BOM.length);
    System.arraycopy(text, 0, out, BOM.length, text.length);
    return out;
  }

  @Test
  void theUnchangedTokenIsAccepted() {
    assertThat(
            verifier()
                .verify(signed(utf8(TOKENS.headerJson()), utf8(claims(3).toJson())))
                .isAccepted())
        .isTrue();
  }

  @Test
  void aBomBeforeThePayloadIsMalformed() {
    Verdict verdict =
        verifier().verify(signed(utf8(TOKENS.headerJson()), withBom(claims(3).toJson())));

    assertThat(verdict.rejection()).contains(Rejection.MALFORMED);
  }

  @Test
  void aBomBeforeTheHeaderIsMalformed() {
    Verdict verdict =
        verifier().verify(signed(withBom(TOKENS.headerJson()), utf8(claims(3).toJson())));

    assertThat(verdict.rejection()).contains(Rejection.MALFORMED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE"})
  void aPayloadOrHeaderInAnotherEncodingIsMalformed(String encoding) {
    Charset charset = Charset.forName(encoding);
    byte[] header = TOKENS.headerJson().getBytes(charset);
    byte[] payload = claims(3).toJson().getBytes(charset);

    assertThat(verifier().verify(signed(utf8(TOKENS.headerJson()), payload)).rejection())
        .contains(Rejection.MALFORMED);
    assertThat(verifier().verify(signed(header, utf8(claims(3).toJson()))).rejection())
        .contains(Rejection.MALFORMED);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"sub\":\"\\ud800\"",
        "\"sub\":\"a\\udc00b\"",
        "\"sub\":\"\\ud83d\\u0041\"",
        "\"note\":\"\\ud800\"",
        "\"note\":{\"deep\":[\"\\udfff\"]}",
        "\"\\ud800\":1",
        "\"aud\":\"\\ud800\"",
      })
  void anUnpairedSurrogateEscapeAnywhereIsMalformed(String member) {
    String payload = claims(3).toJson();
    // Replaces sub when the member is a sub, else sits beside the other claims.
    String json =
        member.startsWith("\"sub\"")
            ? payload.replace("\"sub\":\"system:serviceaccount:shop:checkout\"", member)
            : member.startsWith("\"aud\"")
                ? payload.replace("\"aud\":[\"orders\",\"billing\"]", member)
                : "{" + member + "," + payload.substring(1);

    Verdict verdict = verifier().verify(signed(utf8(TOKENS.headerJson()), utf8(json)));

    assertThat(verdict.rejection()).contains(Rejection.MALFORMED);
  }

  @Test
  void aPairedSurrogateEscapeIsFine() {
    String json =
        claims(3)
            .toJson()
            .replace(
                "\"sub\":\"system:serviceaccount:shop:checkout\"",
                "\"sub\":\"\\ud83d\\ude00\",\"note\":{\"k\":\"\\ud83d\\ude00\"}");

    Verdict verdict = verifier().verify(signed(utf8(TOKENS.headerJson()), utf8(json)));

    assertThat(verdict.isAccepted()).isTrue();
    assertThat(verdict.subject()).isEqualTo("\ud83d\ude00");
  }

  @Test
  void aBomInJwksJsonIsRefusedWithAMessageSayingSo() {
    assertThatThrownBy(
            () ->
                TokenVerifier.builder()
                    .trust("\uFEFF" + TestKey.jwks(KEY), TokenFactory.statusListJson())
                    .acceptAnyIssuer()
                    .build())
        .isInstanceOf(TrustLoadException.class)
        .hasMessageContaining("jwks.json")
        .hasMessageContaining("byte order mark");
  }

  @Test
  void aBomInStatusListJsonFailsTheReloadAndKeepsTheLastGoodTrust() throws Exception {
    Files.writeString(dir.resolve("jwks.json"), TestKey.jwks(KEY));
    Files.writeString(dir.resolve("status-list.json"), TokenFactory.statusListJson());
    try (TokenVerifier verifier =
        TokenVerifier.builder()
            .trustDirectory(dir)
            .allowUnsignedStatusList()
            .watch(false)
            .expectedIssuer(ISSUER)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .build()) {
      String token = TOKENS.token(claims(3));
      Files.write(dir.resolve("status-list.json"), withBom(TokenFactory.statusListJson(3)));

      ReloadStatus status = verifier.reload();

      assertThat(status.ok()).isFalse();
      assertThat(status.message()).contains("status-list.json").contains("byte order mark");
      assertThat(verifier.verify(token).isAccepted()).isTrue();
    }
  }

  @Test
  void anUnpairedSurrogateInTheStatusListUriIsRefused() {
    String statusList = TokenFactory.statusListJson().replace("\"uri\":\"", "\"uri\":\"\\ud800");

    assertThatThrownBy(
            () ->
                TokenVerifier.builder()
                    .trust(TestKey.jwks(KEY), statusList)
                    .acceptAnyIssuer()
                    .build())
        .isInstanceOf(TrustLoadException.class)
        .hasMessageContaining("unpaired surrogate");
  }
}
