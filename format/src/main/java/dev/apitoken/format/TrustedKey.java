package dev.apitoken.format;

import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * One key of the trust format, decoded once: what token and Status List Token signatures are
 * checked against, by the verifier (keys read from {@code jwks.json}) and by the operator (its own
 * signing keys).
 *
 * @param kid the key id, the RFC 7638 thumbprint
 * @param alg the only JWS algorithm this key verifies: always {@code EdDSA}
 * @param publicKey the 32 bytes of {@code x}; never handed out, only compared
 * @param publicPoint the validated, decompressed Ed25519 public point
 */
public record TrustedKey(
    String kid, String alg, byte[] publicKey, Ed25519.PublicPoint publicPoint) {
  /** The JWS algorithm of every key: Ed25519 signatures (RFC 8037). */
  public static final String EDDSA = "EdDSA";

  /**
   * The key for an Ed25519 public key, its kid computed.
   *
   * @throws IllegalArgumentException when it is not 32 bytes of a valid Ed25519 public key
   */
  public static TrustedKey ed25519(byte[] publicKey) {
    String kid = JwkThumbprint.ed25519(publicKey);
    Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(publicKey, 0);
    if (point == null) {
      throw new IllegalArgumentException("not a valid Ed25519 public key");
    }
    return new TrustedKey(kid, EDDSA, publicKey.clone(), point);
  }

  /** Whether {@code signature} is this key's signature of {@code message[0, messageLength)}. */
  public boolean verify(byte[] signature, byte[] message, int messageLength) {
    return signature.length == Ed25519.SIGNATURE_SIZE
        && Ed25519.verify(signature, 0, publicPoint, message, 0, messageLength);
  }

  /**
   * Whether {@code other} is this key: the same kid, algorithm and key material. Every reload
   * decodes new instances, so identity alone would say no after each one.
   */
  public boolean sameKeyAs(TrustedKey other) {
    return this == other
        || (other != null
            && kid.equals(other.kid)
            && alg.equals(other.alg)
            && Arrays.equals(publicKey, other.publicKey));
  }
}
