package dev.apitoken.verifier;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * One key of the trusted JWKS, decoded once at load time.
 *
 * @param kid the key id, the RFC 7638 thumbprint
 * @param alg the only JWS algorithm this key verifies: always {@code EdDSA}
 * @param publicPoint the validated, decompressed Ed25519 public point
 */
record TrustedKey(String kid, String alg, Ed25519.PublicPoint publicPoint) {
  static final String EDDSA = "EdDSA";

  boolean verify(byte[] signature, byte[] message, int messageLength) {
    return signature.length == Ed25519.SIGNATURE_SIZE
        && Ed25519.verify(signature, 0, publicPoint, message, 0, messageLength);
  }
}
