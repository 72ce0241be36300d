package dev.apitoken.format;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash by which a token is named without being stored: base64url (no padding) of the SHA-256 of
 * its UTF-8 bytes. The operator keeps it in {@code status.tokenHash}; tools compare a token with
 * it. UTF-8 equals ASCII for every real token, and does not fold non-ASCII garbage into {@code ?}.
 */
public final class TokenHash {
  private TokenHash() {}

  /** The hash of {@code tokenValue}. */
  public static String of(String tokenValue) {
    return sha256(tokenValue.getBytes(StandardCharsets.UTF_8));
  }

  /** Base64url of the SHA-256 of {@code bytes}. */
  static String sha256(byte[] bytes) {
    try {
      return Base64Url.encode(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException mandatoryAlgorithm) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", mandatoryAlgorithm);
    }
  }
}
