package dev.apitoken.operator.token;

import java.util.Base64;

/** Base64url without padding (RFC 7515 section 2), the only encoding our formats use. */
final class Base64Url {

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private Base64Url() {}

  static String encode(byte[] bytes) {
    return ENCODER.encodeToString(bytes);
  }

  /**
   * Decodes canonical base64url without padding.
   *
   * @throws IllegalArgumentException with a message that never repeats the input, because the input
   *     may be key material
   */
  static byte[] decode(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (!isAlphabet(text.charAt(i))) {
        throw new IllegalArgumentException("not base64url without padding");
      }
    }
    byte[] bytes;
    try {
      bytes = DECODER.decode(text);
    } catch (IllegalArgumentException invalid) {
      throw new IllegalArgumentException("not base64url without padding");
    }
    // The JDK decoder ignores stray low bits in the last character; requiring the canonical
    // spelling keeps "one value, one encoding", so hashes and comparisons of encodings agree.
    if (!encode(bytes).equals(text)) {
      throw new IllegalArgumentException("not canonical base64url");
    }
    return bytes;
  }

  private static boolean isAlphabet(char character) {
    return (character >= 'A' && character <= 'Z')
        || (character >= 'a' && character <= 'z')
        || (character >= '0' && character <= '9')
        || character == '-'
        || character == '_';
  }
}
