package dev.apitoken.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the trust ConfigMap's {@code jwks.json}. Strict: every key must be an Ed25519 signing key
 * whose {@code kid} is its RFC 7638 thumbprint, with no members beyond those of CONTRACTS.md, so a
 * private key or a key of another type published by mistake is refused rather than ignored.
 */
public final class Jwks {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final Set<String> KEY_MEMBERS = Set.of("kty", "crv", "kid", "x", "use", "alg");

  private Jwks() {}

  /**
   * The keys of {@code json} by kid.
   *
   * @throws TrustLoadException when the document or any key in it is not as CONTRACTS.md says
   */
  public static Map<String, TrustedKey> parse(String json) {
    if (json.startsWith("\uFEFF")) {
      // Refused, not skipped: Python's json and Go's encoding/json refuse it too, and every reader
      // of the trust directory must agree on what it trusts.
      throw new TrustLoadException("starts with a byte order mark (U+FEFF); write plain UTF-8");
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new TrustLoadException(
          "not valid JSON: "
              + UntrustedText.escape(e.getOriginalMessage(), UntrustedText.MESSAGE_MAX_LENGTH),
          e);
    }
    if (root == null || !root.isObject()) {
      throw new TrustLoadException("not a JSON object");
    }
    JsonNode keys = root.get("keys");
    if (keys == null || !keys.isArray()) {
      throw new TrustLoadException("\"keys\" is missing or not an array");
    }
    if (root.size() != 1) {
      throw new TrustLoadException("members other than \"keys\" at the top level");
    }
    Map<String, TrustedKey> byKid = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      TrustedKey key = parseKey(keys.get(i), i);
      if (byKid.putIfAbsent(key.kid(), key) != null) {
        throw new TrustLoadException(
            "key " + i + ": duplicate kid " + UntrustedText.escape(key.kid()));
      }
    }
    return Map.copyOf(byKid);
  }

  private static TrustedKey parseKey(JsonNode key, int index) {
    String where = "key " + index + ": ";
    if (!key.isObject()) {
      throw new TrustLoadException(where + "not a JSON object");
    }
    for (Iterator<String> names = key.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KEY_MEMBERS.contains(name)) {
        throw new TrustLoadException(
            where
                + "unexpected member \""
                + UntrustedText.escape(name)
                + "\""
                + (name.equals("d") ? " (private key material must never be published)" : ""));
      }
    }
    requireValue(key, "kty", "OKP", where);
    requireValue(key, "crv", "Ed25519", where);
    if (key.has("use")) {
      requireValue(key, "use", "sig", where);
    }
    if (key.has("alg")) {
      requireValue(key, "alg", TrustedKey.EDDSA, where);
    }
    String kid = requireString(key, "kid", where);
    String x = requireString(key, "x", where);
    byte[] publicKey = Base64Url.decode(x);
    if (publicKey == null || publicKey.length != JwkThumbprint.ED25519_KEY_SIZE) {
      throw new TrustLoadException(where + "x is not 32 bytes of canonical base64url");
    }
    if (!kid.equals(JwkThumbprint.ofX(x))) {
      throw new TrustLoadException(
          where + "kid " + UntrustedText.escape(kid) + " is not the RFC 7638 thumbprint of x");
    }
    try {
      return TrustedKey.ed25519(publicKey);
    } catch (IllegalArgumentException notAPoint) {
      throw new TrustLoadException(where + "x is not a valid Ed25519 public key");
    }
  }

  private static String requireString(JsonNode key, String member, String where) {
    JsonNode value = key.get(member);
    if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
      throw new TrustLoadException(where + member + " is missing or not a non-empty string");
    }
    return value.textValue();
  }

  private static void requireValue(JsonNode key, String member, String expected, String where) {
    if (!expected.equals(requireString(key, member, where))) {
      throw new TrustLoadException(
          where
              + member
              + " is "
              + UntrustedText.escape(key.get(member).textValue())
              + ", expected "
              + expected);
    }
  }

  /**
   * {@code
   * {"keys":[{"kty":"OKP","crv":"Ed25519","kid":"...","x":"...","use":"sig","alg":"EdDSA"}]}} for
   * every key, sorted by kid, no other members, no whitespace: the same keys always give the same
   * bytes (so a trust ConfigMap is only rewritten when keys change), and {@link #parse} reads them
   * back.
   *
   * @param ed25519PublicKeys 32-byte Ed25519 public keys; each kid is computed (RFC 7638)
   */
  public static String write(Collection<byte[]> ed25519PublicKeys) {
    TreeMap<String, String> xByKid = new TreeMap<>();
    for (byte[] publicKey : ed25519PublicKeys) {
      xByKid.put(JwkThumbprint.ed25519(publicKey), Base64Url.encode(publicKey));
    }
    byte[] json =
        JwtJson.write(
            generator -> {
              generator.writeStartObject();
              generator.writeArrayFieldStart("keys");
              for (Map.Entry<String, String> key : xByKid.entrySet()) {
                generator.writeStartObject();
                generator.writeStringField("kty", "OKP");
                generator.writeStringField("crv", "Ed25519");
                generator.writeStringField("kid", key.getKey());
                generator.writeStringField("x", key.getValue());
                generator.writeStringField("use", "sig");
                generator.writeStringField("alg", TrustedKey.EDDSA);
                generator.writeEndObject();
              }
              generator.writeEndArray();
              generator.writeEndObject();
            });
    return new String(json, StandardCharsets.UTF_8);
  }
}
