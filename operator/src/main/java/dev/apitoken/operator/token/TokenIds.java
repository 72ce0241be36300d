package dev.apitoken.operator.token;

import dev.apitoken.format.Base64Url;
import java.security.SecureRandom;

/** Token ids ({@code jti}). */
public final class TokenIds {

  private static final int JTI_BYTES = 16;

  private TokenIds() {}

  /** 128 random bits, base64url without padding: 22 characters. */
  public static String newJti(SecureRandom random) {
    byte[] bits = new byte[JTI_BYTES];
    random.nextBytes(bits);
    return Base64Url.encode(bits);
  }
}
