package dev.apitoken.format;

import java.nio.charset.StandardCharsets;

/** RFC 7638 JWK thumbprints: the key ids ({@code kid}) of the trust format. */
public final class JwkThumbprint {
  /** Bytes of an Ed25519 public key (RFC 8032). */
  public static final int ED25519_KEY_SIZE = 32;

  private JwkThumbprint() {}

  /**
   * The SHA-256 thumbprint of an Ed25519 public key, base64url without padding: the hash of the
   * UTF-8 bytes of {@code {"crv":"Ed25519","kty":"OKP","x":"<x>"}} (required members only, in
   * lexicographic order, no whitespace, as RFC 7638 and RFC 8037 prescribe).
   */
  public static String ed25519(byte[] publicKey) {
    if (publicKey.length != ED25519_KEY_SIZE) {
      throw new IllegalArgumentException(
          "an Ed25519 public key has " + ED25519_KEY_SIZE + " bytes, not " + publicKey.length);
    }
    return ofX(Base64Url.encode(publicKey));
  }

  /** The thumbprint of the Ed25519 key whose JWK member {@code x} is {@code x}. */
  static String ofX(String x) {
    // Canonical base64url needs no JSON escaping, so plain concatenation is exact.
    String canonicalJwk = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + x + "\"}";
    return TokenHash.sha256(canonicalJwk.getBytes(StandardCharsets.UTF_8));
  }
}
