package dev.apitoken.operator.token;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.format.Base64Url;
import dev.apitoken.format.JwkThumbprint;
import dev.apitoken.format.JwtJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The key ring as stored in the Secret {@code apitoken-signing-keys}, key {@code keyring.json}: a
 * JWKS with private members plus {@code created} and {@code retired} epoch seconds (see
 * docs/CONTRACTS.md).
 */
public final class KeyRingCodec {

  private KeyRingCodec() {}

  /**
   * Writes {@code {"keys":[{"kty","crv","kid","x","d","created","retired"}]}} in that member order,
   * keys in the order the ring holds them, no whitespace; {@code retired} is absent while a key is
   * active. Same ring, same bytes.
   */
  public static String toJson(KeyRing ring) {
    byte[] json =
        JwtJson.write(
            generator -> {
              generator.writeStartObject();
              generator.writeArrayFieldStart("keys");
              for (SigningKey key : ring.keys()) {
                generator.writeStartObject();
                generator.writeStringField("kty", "OKP");
                generator.writeStringField("crv", "Ed25519");
                generator.writeStringField("kid", key.kid());
                generator.writeStringField("x", key.x());
                generator.writeStringField("d", key.d());
                generator.writeNumberField("created", key.createdAt().getEpochSecond());
                if (key.retiredAt() != null) {
                  generator.writeNumberField("retired", key.retiredAt().getEpochSecond());
                }
                generator.writeEndObject();
              }
              generator.writeEndArray();
              generator.writeEndObject();
            });
    return new String(json, StandardCharsets.UTF_8);
  }

  /**
   * Reads and fully validates a stored key ring: each key is an Ed25519 OKP key with 32-byte {@code
   * x} and {@code d}, {@code x} is the public key of {@code d}, {@code kid} is the thumbprint of
   * {@code x}, kids are unique, and there is one active key and at most one next key. Unknown
   * members are ignored.
   *
   * @throws InvalidKeyRingException saying what is wrong, without key material
   */
  public static KeyRing fromJson(String json) {
    if (json == null) {
      throw new InvalidKeyRingException("the key ring is missing");
    }
    JsonNode root =
        Json.read(json)
            .orElseThrow(() -> new InvalidKeyRingException("the key ring is not valid JSON"));
    JsonNode keysNode = root.get("keys");
    if (!root.isObject() || keysNode == null || !keysNode.isArray()) {
      throw new InvalidKeyRingException("the key ring is not a JSON object with a \"keys\" array");
    }
    if (keysNode.isEmpty()) {
      throw new InvalidKeyRingException("the key ring has no keys");
    }
    List<SigningKey> keys = new ArrayList<>(keysNode.size());
    for (int index = 0; index < keysNode.size(); index++) {
      keys.add(readKey(keysNode.get(index), "keys[" + index + "]"));
    }
    try {
      return new KeyRing(keys);
    } catch (IllegalArgumentException brokenInvariant) {
      // KeyRing's messages name kids and counts only.
      throw new InvalidKeyRingException(brokenInvariant.getMessage());
    }
  }

  private static SigningKey readKey(JsonNode node, String position) {
    if (!node.isObject()) {
      throw new InvalidKeyRingException(position + " is not a JSON object");
    }
    requireMember(node, position, "kty", "OKP");
    requireMember(node, position, "crv", "Ed25519");
    String kid = requiredText(node, position, "kid");
    String where = position + " (kid " + kid + ")";
    byte[] publicKey = requiredKeyBytes(node, where, "x");
    byte[] privateKey = requiredKeyBytes(node, where, "d");
    // Constant-time comparison: x is public, but it is compared with bytes derived from d.
    if (!MessageDigest.isEqual(Ed25519.publicKeyOf(privateKey), publicKey)) {
      throw new InvalidKeyRingException(where + ": x is not the public key of d");
    }
    String thumbprint = JwkThumbprint.ed25519(publicKey);
    if (!thumbprint.equals(kid)) {
      throw new InvalidKeyRingException(
          where + ": kid is not the RFC 7638 thumbprint of x, which is " + thumbprint);
    }
    Instant createdAt = requiredEpochSeconds(node, where, "created");
    JsonNode retiredNode = node.get("retired");
    Instant retiredAt =
        retiredNode == null || retiredNode.isNull()
            ? null
            : requiredEpochSeconds(node, where, "retired");
    return new SigningKey(kid, publicKey, privateKey, createdAt, retiredAt);
  }

  private static void requireMember(JsonNode node, String where, String name, String expected) {
    JsonNode value = node.get(name);
    if (value == null || !value.isTextual() || !value.textValue().equals(expected)) {
      throw new InvalidKeyRingException(where + ": \"" + name + "\" must be \"" + expected + "\"");
    }
  }

  private static String requiredText(JsonNode node, String where, String name) {
    JsonNode value = node.get(name);
    if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
      throw new InvalidKeyRingException(where + ": \"" + name + "\" must be a non-empty string");
    }
    return value.textValue();
  }

  private static byte[] requiredKeyBytes(JsonNode node, String where, String name) {
    JsonNode value = node.get(name);
    String problem =
        where + ": \"" + name + "\" must be " + Ed25519.KEY_SIZE + " bytes of base64url";
    if (value == null || !value.isTextual()) {
      throw new InvalidKeyRingException(problem);
    }
    byte[] bytes;
    try {
      bytes = Base64Url.decodeOrThrow(value.textValue());
    } catch (IllegalArgumentException notBase64) {
      throw new InvalidKeyRingException(problem);
    }
    if (bytes.length != Ed25519.KEY_SIZE) {
      throw new InvalidKeyRingException(problem + ", not " + bytes.length + " bytes");
    }
    return bytes;
  }

  private static Instant requiredEpochSeconds(JsonNode node, String where, String name) {
    JsonNode value = node.get(name);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new InvalidKeyRingException(
          where + ": \"" + name + "\" must be an integer number of seconds since the epoch");
    }
    try {
      return Instant.ofEpochSecond(value.longValue());
    } catch (java.time.DateTimeException outOfRange) {
      throw new InvalidKeyRingException(where + ": \"" + name + "\" is out of range");
    }
  }
}
