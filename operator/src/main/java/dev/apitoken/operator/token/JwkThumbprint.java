package dev.apitoken.operator.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** RFC 7638 JWK thumbprints, used as key ids ({@code kid}). */
public final class JwkThumbprint {

  private JwkThumbprint() {}

  /**
   * The SHA-256 thumbprint of an Ed25519 public key, base64url without padding: the hash of the
   * UTF-8 bytes of {@code {"crv":"Ed25519","kty":"OKP","x":"<x>"}} (required members only, in
   * lexicographic order, no whitespace, as RFC 7638 and RFC 8037 prescribe).
   */
  public static String ed25519(byte[] publicKey) {
    if (publicKey.length != Ed25519.KEY_SIZE) {
      throw new IllegalArgumentException(
          "an Ed25519 public key has " + Ed25519.KEY_SIZE + " bytes, not " + publicKey.length);
    }
    // Base64url output needs no JSON escaping, so plain concatenation is exact.
    String canonicalJwk =
        "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + Base64Url.encode(publicKey) + "\"}";
    return Base64Url.encode(sha256(canonicalJwk.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException mandatoryAlgorithm) {
      // Every Java platform must provide SHA-256.
      throw new IllegalStateException(mandatoryAlgorithm);
    }
  }
}
