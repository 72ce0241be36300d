package dev.apitoken.operator.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;

/**
 * A nimbus {@link JWSVerifier} backed by the JDK's own Ed25519, an implementation independent of
 * the Bouncy Castle code under test.
 *
 * <p>Nimbus' {@code Ed25519Verifier} needs Google Tink, an optional nimbus dependency that is not
 * on our test classpath; this adapter lets nimbus still parse the JWS and compute the signing input
 * while the JDK checks the signature.
 */
final class JdkEd25519JwsVerifier implements JWSVerifier {

  /** DER SubjectPublicKeyInfo prefix for an Ed25519 key (RFC 8410), followed by the 32 bytes. */
  private static final byte[] ED25519_SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private final PublicKey publicKey;
  private final JCAContext jcaContext = new JCAContext();

  JdkEd25519JwsVerifier(OctetKeyPair jwk) throws GeneralSecurityException {
    byte[] x = jwk.getDecodedX();
    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + x.length];
    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
    System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, x.length);
    this.publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature)
      throws JOSEException {
    if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
      throw new JOSEException("unexpected alg " + header.getAlgorithm());
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(publicKey);
      verifier.update(signingInput);
      return verifier.verify(signature.decode());
    } catch (GeneralSecurityException e) {
      throw new JOSEException(e.getMessage(), e);
    }
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return Set.of(JWSAlgorithm.EdDSA);
  }

  @Override
  public JCAContext getJCAContext() {
    return jcaContext;
  }
}
