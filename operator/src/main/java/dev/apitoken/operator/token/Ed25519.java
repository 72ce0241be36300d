package dev.apitoken.operator.token;

import java.security.SecureRandom;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Ed25519 (RFC 8032, pure) key generation and signing through Bouncy Castle's lightweight API, so
 * that signing does not depend on which JDK security providers are installed. Verifying is the wire
 * format's ({@link dev.apitoken.format.TrustedKey}), the same for the operator and every verifier.
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
}
