package dev.apitoken.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.Base64Url;
import dev.apitoken.format.JwkThumbprint;
import dev.apitoken.format.Jwks;
import dev.apitoken.format.TrustLoadException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JwksTest {
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TestKey OTHER = TestKey.fromSeed(2);

  @Test
  void readsTheContractJwks() {
    assertThat(Jwks.parse(TestKey.jwks(KEY, OTHER))).containsOnlyKeys(KEY.kid(), OTHER.kid());
    assertThat(Jwks.parse("{\"keys\":[]}")).isEmpty();
  }

  @Test
  void useAndAlgAreOptional() {
    String bare =
        "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\""
            + KEY.kid()
            + "\",\"x\":\""
            + KEY.x()
            + "\"}]}";
    assertThat(Jwks.parse(bare).get(KEY.kid()).alg()).isEqualTo("EdDSA");
  }

  @Test
  void kidIsTheRfc7638Thumbprint() {
    // RFC 8037 appendix A.3: the thumbprint of the RFC 8032 test key.
    assertThat(
            JwkThumbprint.ed25519(
                Base64Url.decodeOrThrow("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")))
        .isEqualTo("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  }

  static Stream<Arguments> malformed() {
    String jwk = KEY.publicJwk();
    String kid = KEY.kid();
    String x = KEY.x();
    // y = 1, x = 0: the neutral element, a point of small order.
    String neutral = TestKey.b64(neutralPoint());
    return Stream.of(
        Arguments.of(
            "private key published", jwk.replace("}", ",\"d\":\"" + x + "\"}"), "private key"),
        Arguments.of("unknown member", jwk.replace("}", ",\"ext\":true}"), "ext"),
        Arguments.of("wrong curve", jwk.replace("Ed25519", "X25519"), "crv is X25519"),
        Arguments.of("wrong key type", jwk.replace("OKP", "EC"), "kty is EC"),
        Arguments.of("encryption key", jwk.replace("\"sig\"", "\"enc\""), "use is enc"),
        Arguments.of("other algorithm", jwk.replace("\"EdDSA\"", "\"HS256\""), "alg is HS256"),
        Arguments.of("kid not the thumbprint", jwk.replace(kid, OTHER.kid()), "thumbprint"),
        Arguments.of("x too short", jwk.replace(x, x.substring(0, 40)), "32 bytes"),
        Arguments.of("x padded", jwk.replace(x, x + "="), "32 bytes"),
        Arguments.of(
            "small-order point",
            jwk.replace(x, neutral)
                .replace(kid, JwkThumbprint.ed25519(Base64Url.decodeOrThrow(neutral))),
            "not a valid Ed25519 public key"),
        Arguments.of("kid missing", jwk.replace("\"kid\":\"" + kid + "\",", ""), "kid is missing"),
        Arguments.of("duplicate member", jwk.replace("}", ",\"kty\":\"OKP\"}"), "Duplicate"),
        Arguments.of("key not an object", "\"" + x + "\"", "not a JSON object"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void refusesMalformedKeys(String name, String jwk, String message) {
    assertThatThrownBy(() -> Jwks.parse("{\"keys\":[" + jwk + "]}"))
        .isInstanceOf(TrustLoadException.class)
        .hasMessageContaining(message);
  }

  @Test
  void refusesMalformedDocuments() {
    String jwk = KEY.publicJwk();
    assertThatThrownBy(() -> Jwks.parse("{\"keys\":[" + jwk + "," + jwk + "]}"))
        .hasMessageContaining("duplicate kid");
    assertThatThrownBy(() -> Jwks.parse("{\"keys\":[" + jwk + "],\"other\":1}"))
        .hasMessageContaining("other than");
    assertThatThrownBy(() -> Jwks.parse("{\"keys\":[" + jwk + "]} []"))
        .isInstanceOf(TrustLoadException.class);
    assertThatThrownBy(() -> Jwks.parse("{\"keys\":{}}")).hasMessageContaining("not an array");
    assertThatThrownBy(() -> Jwks.parse("[]")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> Jwks.parse("")).isInstanceOf(TrustLoadException.class);
  }

  private static byte[] neutralPoint() {
    byte[] encoded = new byte[32];
    encoded[0] = 1;
    return encoded;
  }
}
