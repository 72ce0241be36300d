package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.RFC8037_D;
import static dev.apitoken.operator.token.Fixtures.RFC8037_KID;
import static dev.apitoken.operator.token.Fixtures.RFC8037_X;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import dev.apitoken.format.Base64Url;
import dev.apitoken.format.JwkThumbprint;
import dev.apitoken.format.TrustedKey;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JwkThumbprintTest {

  @Test
  void matchesTheRfc8037Example() {
    assertThat(JwkThumbprint.ed25519(Fixtures.base64url(RFC8037_X))).isEqualTo(RFC8037_KID);
  }

  @Test
  void matchesNimbusForGeneratedKeys() throws Exception {
    for (long seed = 0; seed < 20; seed++) {
      byte[] x = SigningKey.generate(Fixtures.T0, new SeededSecureRandom(seed)).publicKey();
      String nimbus =
          new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
              .build()
              .computeThumbprint()
              .toString();

      assertThat(JwkThumbprint.ed25519(x)).isEqualTo(nimbus);
    }
  }

  @Test
  void rejectsKeysOfTheWrongSize() {
    assertThatThrownBy(() -> JwkThumbprint.ed25519(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** RFC 8037 appendix A: Bouncy Castle derives the example public key and signature. */
  @Test
  void ed25519MatchesTheRfc8037Examples() {
    byte[] privateKey = Fixtures.base64url(RFC8037_D);
    assertThat(Base64Url.encode(Ed25519.publicKeyOf(privateKey))).isEqualTo(RFC8037_X);

    String signingInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    byte[] signature = Ed25519.sign(privateKey, signingInput.getBytes(StandardCharsets.US_ASCII));
    assertThat(Base64Url.encode(signature))
        .isEqualTo(
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
    byte[] message = signingInput.getBytes(StandardCharsets.US_ASCII);
    assertThat(
            TrustedKey.ed25519(Fixtures.base64url(RFC8037_X))
                .verify(signature, message, message.length))
        .isTrue();
  }
}
