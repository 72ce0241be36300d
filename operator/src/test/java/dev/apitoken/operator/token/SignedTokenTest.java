package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SignedTokenTest {

  private final SignedToken token =
      TokenSigner.sign(Fixtures.claims().build(), Fixtures.rfc8037Key(Fixtures.T0));

  @Test
  void hashesTheValueWithSha256InBase64Url() throws Exception {
    byte[] digest =
        MessageDigest.getInstance("SHA-256")
            .digest(token.value().getBytes(StandardCharsets.US_ASCII));

    assertThat(token.sha256())
        .isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(digest))
        .hasSize(43)
        .isEqualTo(SignedToken.sha256Of(token.value()));
  }

  @Test
  void toStringNeverContainsTheToken() {
    String[] parts = token.value().split("\\.");

    assertThat(token.toString())
        .contains("<redacted>")
        .contains(token.sha256())
        .contains(token.kid())
        .doesNotContain(token.value())
        .doesNotContain(parts[1])
        .doesNotContain(parts[2]);
  }
}
