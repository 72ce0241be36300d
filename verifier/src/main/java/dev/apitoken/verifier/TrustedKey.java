package dev.apitoken.verifier;

import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * One key of the trusted JWKS, decoded once at load time.
 *
 * @param kid the key id, the RFC 7638 thumbprint
 * @param alg the only JWS algorithm this key verifies: always {@code EdDSA}
 * @param publicKey the 32 bytes of {@code x}; never handed out, only compared
 * @param publicPoint the validated, decompressed Ed25519 public point
 */
record TrustedKey(String kid, String alg, byte[] publicKey, Ed25519.PublicPoint publicPoint) {
  static final String EDDSA = "EdDSA";

  boolean verify(byte[] signature, byte[] message, int messageLength) {
    return signature.length == Ed25519.SIGNATURE_SIZE
        && Ed25519.verify(signature, 0, publicPoint, message, 0, messageLength);
  }

  /**
   * Whether {@code other} is this key: the same kid, algorithm and key material. Every reload
   * decodes new instances, so identity alone would say no after each one.
   */
  boolean sameKeyAs(TrustedKey other) {
    return this == other
        || (other != null
            && kid.equals(other.kid)
            && alg.equals(other.alg)
            && Arrays.equals(publicKey, other.publicKey));
  }
}
