package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.Base64Url;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenIdsTest {

  @Test
  void is128RandomBitsInBase64Url() {
    String jti = TokenIds.newJti(new SecureRandom());

    assertThat(jti).hasSize(22).matches("[A-Za-z0-9_-]{22}");
    assertThat(Base64Url.decode(jti)).hasSize(16);
  }

  @Test
  void takesItsBitsFromTheInjectedRandom() {
    assertThat(TokenIds.newJti(new SeededSecureRandom(1)))
        .isEqualTo(TokenIds.newJti(new SeededSecureRandom(1)));
  }

  @Test
  void doesNotRepeat() {
    SecureRandom random = new SecureRandom();
    Set<String> jtis = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      jtis.add(TokenIds.newJti(random));
    }
    assertThat(jtis).hasSize(10_000);
  }
}
