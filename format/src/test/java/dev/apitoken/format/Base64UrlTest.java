package dev.apitoken.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Base64UrlTest {

  @Property
  void everyByteStringHasExactlyOneSpellingThatDecodesBack(@ForAll byte[] bytes) {
    String encoded = Base64Url.encode(bytes);

    assertThat(encoded).isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    assertThat(Base64Url.decode(encoded)).isEqualTo(bytes);
    assertThat(Base64Url.decodeOrThrow(encoded)).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "QQ==", // padding
        "QR", // unused bits set: the JDK decoder reads this as "A" too
        "QUJ", // the same in the last of three characters
        "Q", // a length of 1 modulo 4
        "QU+C", // the standard alphabet, not the URL one
        "QU/C", "QU C", "QUé",
      })
  void refusesEverySpellingButTheCanonicalOne(String text) {
    assertThat(Base64Url.decode(text)).isNull();
    assertThatThrownBy(() -> Base64Url.decodeOrThrow(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not canonical base64url without padding");
  }

  @Property
  void aCanonicalSpellingOfTheSameBytesIsTheOnlyOneAccepted(@ForAll String text) {
    byte[] decoded = Base64Url.decode(text);
    if (decoded != null) {
      assertThat(Base64Url.encode(decoded)).isEqualTo(text);
    }
  }
}
