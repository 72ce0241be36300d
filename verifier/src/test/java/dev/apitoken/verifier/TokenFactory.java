package dev.apitoken.verifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signs tokens exactly as CONTRACTS.md describes, with Bouncy Castle, and lets a test bend any part
 * of them. Claims are kept in insertion order, which is the contract's order for the defaults.
 */
public final class TokenFactory {
  public static final String ISSUER = "https://apitoken.example";
  public static final String AUDIENCE = "orders";
  public static final String STATUS_URI = "https://apitoken.example/status/default";
  public static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestKey key;

  public TokenFactory(TestKey key) {
    this.key = key;
  }

  public TestKey key() {
    return key;
  }

  /** Claims of a token valid at {@link #NOW} for one hour, at status index {@code idx}. */
  public static Claims claims(long idx) {
    Claims claims = new Claims();
    claims.set("iss", ISSUER);
    claims.set("sub", "system:serviceaccount:shop:checkout");
    claims.set("aud", List.of(AUDIENCE, "billing"));
    claims.set("scope", "orders:read orders:write");
    claims.set("iat", NOW.getEpochSecond() - 60);
    claims.set("nbf", NOW.getEpochSecond() - 60);
    claims.set("exp", NOW.getEpochSecond() + 3600);
    claims.set("jti", "AAECAwQFBgcICQoLDA0ODw");
    claims.set("status", Map.of("status_list", statusList(idx, STATUS_URI)));
    return claims;
  }

  public static Map<String, Object> statusList(long idx, String uri) {
    Map<String, Object> statusList = new LinkedHashMap<>();
    statusList.put("idx", idx);
    statusList.put("uri", uri);
    return statusList;
  }

  /** {@code status-list.json}: 1 bit per token, 1024 tokens, {@code revoked} set to INVALID. */
  public static String statusListJson(long... revoked) {
    StatusList list = new StatusList(1, 1024);
    for (long idx : revoked) {
      list.set(idx, StatusList.INVALID);
    }
    return StatusListDocument.of(list, STATUS_URI).toJson();
  }

  public String headerJson() {
    return "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" + key.kid() + "\"}";
  }

  public String token(Claims claims) {
    return token(headerJson(), claims.toJson());
  }

  public String token(String headerJson, String payloadJson) {
    return signEncoded(b64(headerJson), b64(payloadJson));
  }

  /** Signs the already encoded parts as they are, so a test can make them non-canonical. */
  public String signEncoded(String encodedHeader, String encodedPayload) {
    String signingInput = encodedHeader + "." + encodedPayload;
    return signingInput
        + "."
        + TestKey.b64(key.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  public static String b64(String json) {
    return TestKey.b64(json.getBytes(StandardCharsets.UTF_8));
  }

  /** A mutable, ordered claim set; any value Jackson can write is allowed, for malformed tests. */
  public static final class Claims {
    private final Map<String, Object> members = new LinkedHashMap<>();

    public Claims set(String name, Object value) {
      members.put(name, value);
      return this;
    }

    public Claims remove(String name) {
      members.remove(name);
      return this;
    }

    public String toJson() {
      try {
        return JSON.writeValueAsString(members);
      } catch (JsonProcessingException e) {
        throw new AssertionError(e);
      }
    }
  }
}
