package dev.apitoken.format;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** An Ed25519 key that signs compact JWS the way the operator does, for round-trip tests. */
public final class TestSigner {
  final byte[] privateKey = new byte[Ed25519.SECRET_KEY_SIZE];
  final byte[] publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];

  public TestSigner(long seed) {
    SecureRandom random;
    try {
      random = SecureRandom.getInstance("SHA1PRNG");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    random.setSeed(seed);
    Ed25519.generatePrivateKey(random, privateKey);
    Ed25519.generatePublicKey(privateKey, 0, publicKey, 0);
  }

  public String kid() {
    return JwkThumbprint.ed25519(publicKey);
  }

  public TrustedKey trustedKey() {
    return TrustedKey.ed25519(publicKey);
  }

  /** {@code base64url(header).base64url(payload).base64url(signature)}. */
  public String sign(byte[] header, byte[] payload) {
    String signingInput = Base64Url.encode(header) + "." + Base64Url.encode(payload);
    byte[] message = signingInput.getBytes(StandardCharsets.US_ASCII);
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(privateKey, 0, message, 0, message.length, signature, 0);
    return signingInput + "." + Base64Url.encode(signature);
  }
}
