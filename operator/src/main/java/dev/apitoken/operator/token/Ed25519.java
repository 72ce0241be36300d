package dev.apitoken.operator.token;

import java.security.SecureRandom;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Ed25519 (RFC 8032, pure) through Bouncy Castle's lightweight API, so that signing does not depend
 * on which JDK security providers are installed.
 */
final class Ed25519 {

  static final int KEY_SIZE = Ed25519PublicKeyParameters.KEY_SIZE;
  static final int SIGNATURE_SIZE = Ed25519PrivateKeyParameters.SIGNATURE_SIZE;

  private Ed25519() {}

  static byte[] newPrivateKey(SecureRandom random) {
    return new Ed25519PrivateKeyParameters(random).getEncoded();
  }

  static byte[] publicKeyOf(byte[] privateKey) {
    return new Ed25519PrivateKeyParameters(privateKey, 0).generatePublicKey().getEncoded();
  }

  static byte[] sign(byte[] privateKey, byte[] message) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, new Ed25519PrivateKeyParameters(privateKey, 0));
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }

  /** Returns false, never throws, for a signature or public key that is not even well-formed. */
  static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey.length != KEY_SIZE || signature.length != SIGNATURE_SIZE) {
      return false;
    }
    try {
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
      verifier.update(message, 0, message.length);
      return verifier.verifySignature(signature);
    } catch (RuntimeException invalidKey) {
      return false;
    }
  }
}
