package dev.apitoken.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JwkThumbprintTest {
  /** RFC 8037 appendix A.2: the public key of the RFC 8032 test vector. */
  static final String RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

  /** RFC 8037 appendix A.3: its RFC 7638 thumbprint. */
  static final String RFC8037_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

  @Test
  void isTheRfc8037Thumbprint() {
    assertThat(JwkThumbprint.ed25519(Base64Url.decodeOrThrow(RFC8037_X))).isEqualTo(RFC8037_KID);
  }

  @Test
  void refusesAKeyOfTheWrongSize() {
    assertThatThrownBy(() -> JwkThumbprint.ed25519(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32 bytes");
  }
}
