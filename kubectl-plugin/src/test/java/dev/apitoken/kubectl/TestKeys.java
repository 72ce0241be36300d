package dev.apitoken.kubectl;

import dev.apitoken.format.status.StatusList;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** An Ed25519 key that signs tokens and Status List Tokens as the operator writes them. */
final class TestKeys {
  private final byte[] privateKey = new byte[Ed25519.SECRET_KEY_SIZE];
  private final String x;
  private final String kid;

  TestKeys(long seed) {
    new Random(seed).nextBytes(privateKey);
    byte[] publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
    Ed25519.generatePublicKey(privateKey, 0, publicKey, 0);
    x = b64(publicKey);
    kid = b64(sha256("{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + x + "\"}"));
  }

  String kid() {
    return kid;
  }

  String jwk() {
    return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\""
        + kid
        + "\",\"x\":\""
        + x
        + "\",\"use\":\"sig\",\"alg\":\"EdDSA\"}";
  }

  static String jwks(TestKeys... keys) {
    StringBuilder out = new StringBuilder("{\"keys\":[");
    for (int i = 0; i < keys.length; i++) {
      out.append(i == 0 ? "" : ",").append(keys[i].jwk());
    }
    return out.append("]}").toString();
  }

  /** A token as the operator issues it. */
  String token(String subject, String jti, long index, long iat, long exp, String statusUri) {
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
    String claims =
        "{\"iss\":\"https://apitoken.example\",\"sub\":\""
            + subject
            + "\",\"aud\":[\"orders\",\"billing\"],\"scope\":\"orders:read\",\"iat\":"
            + iat
            + ",\"nbf\":"
            + iat
            + ",\"exp\":"
            + exp
            + ",\"jti\":\""
            + jti
            + "\",\"status\":{\"status_list\":{\"idx\":"
            + index
            + ",\"uri\":\""
            + statusUri
            + "\"}}}";
    return sign(header, claims);
  }

  /** The signed {@code status-list.jwt} beside {@code status-list.json}. */
  String statusListToken(String uri, long iat, StatusList list) {
    String header = "{\"alg\":\"EdDSA\",\"kid\":\"" + kid + "\",\"typ\":\"statuslist+jwt\"}";
    String payload =
        "{\"sub\":\""
            + uri
            + "\",\"iat\":"
            + iat
            + ",\"exp\":"
            + (iat + 3600)
            + ",\"ttl\":30,\"status_list\":{\"bits\":"
            + list.bits()
            + ",\"lst\":\""
            + list.encodeLst()
            + "\"}}";
    return sign(header, payload);
  }

  private String sign(String headerJson, String payloadJson) {
    String input =
        b64(headerJson.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64(payloadJson.getBytes(StandardCharsets.UTF_8));
    byte[] message = input.getBytes(StandardCharsets.US_ASCII);
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(privateKey, 0, message, 0, message.length, signature, 0);
    return input + "." + b64(signature);
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
