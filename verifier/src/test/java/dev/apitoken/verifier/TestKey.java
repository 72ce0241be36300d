package dev.apitoken.verifier;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Collectors;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** An Ed25519 key pair for tests, with its JWK as CONTRACTS.md writes it. */
public final class TestKey {
  private final byte[] privateKey;
  private final byte[] publicKey;
  private final String x;
  private final String kid;

  private TestKey(byte[] privateKey) {
    this.privateKey = privateKey;
    this.publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
    Ed25519.generatePublicKey(privateKey, 0, publicKey, 0);
    this.x = b64(publicKey);
    this.kid = thumbprint(x);
  }

  /** A key derived from {@code seed}, so failures reproduce. */
  public static TestKey fromSeed(long seed) {
    byte[] privateKey = new byte[Ed25519.SECRET_KEY_SIZE];
    new Random(seed).nextBytes(privateKey);
    return new TestKey(privateKey);
  }

  public String kid() {
    return kid;
  }

  public String x() {
    return x;
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  public byte[] sign(byte[] message) {
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(privateKey, 0, message, 0, message.length, signature, 0);
    return signature;
  }

  /** The public JWK, members in the order of CONTRACTS.md. */
  public String publicJwk() {
    return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\""
        + kid
        + "\",\"x\":\""
        + x
        + "\",\"use\":\"sig\",\"alg\":\"EdDSA\"}";
  }

  /** The same key pair as a nimbus-jose-jwt JWK. */
  public OctetKeyPair toNimbus() {
    return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(publicKey))
        .d(Base64URL.encode(privateKey))
        .keyID(kid)
        .build();
  }

  /** {@code jwks.json} for {@code keys}, sorted by kid, no whitespace. */
  public static String jwks(TestKey... keys) {
    return Arrays.stream(keys)
        .sorted(Comparator.comparing(TestKey::kid))
        .map(TestKey::publicJwk)
        .collect(Collectors.joining(",", "{\"keys\":[", "]}"));
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String thumbprint(String x) {
    try {
      String canonical = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + x + "\"}";
      return b64(
          MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
