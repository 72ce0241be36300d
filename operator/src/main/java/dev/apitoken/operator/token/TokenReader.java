package dev.apitoken.operator.token;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads tokens in the docs/CONTRACTS.md format, e.g. the one currently stored in a Secret. Never
 * throws: anything malformed, unsigned by the ring or otherwise unexpected reads as empty.
 *
 * <p>Neither method checks {@code exp} or {@code nbf}; whether a token is still current is the
 * caller's decision ({@link ReissuePolicy}).
 */
public final class TokenReader {

  /** Far above any token we sign; bounds the work done on garbage. */
  private static final int MAX_TOKEN_LENGTH = 16 * 1024;

  private TokenReader() {}

  /** The token's claims without checking the signature; empty if it is malformed. */
  public static Optional<TokenClaims> parseUnverified(String token) {
    try {
      return split(token).flatMap(parts -> claimsOf(parts.payload()));
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }

  /**
   * The {@code kid} the token's header names, without checking anything else; empty if there is
   * none or the token is malformed. Only for telling why a token does not verify.
   */
  public static Optional<String> headerKid(String token) {
    try {
      return split(token)
          .flatMap(parts -> Json.read(Base64Url.decode(parts.header())))
          .map(header -> header.get("kid"))
          .filter(JsonNode::isTextual)
          .map(JsonNode::textValue);
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }

  /**
   * The token's claims if its header says {@code "alg":"EdDSA"} with a {@code kid} that is in the
   * ring and the Ed25519 signature verifies with that key; empty otherwise.
   */
  public static Optional<TokenClaims> verify(String token, KeyRing ring) {
    return verifiedToken(token, ring).map(SignedToken::claims);
  }

  /** Like {@link #verify}, keeping the value and the id of the key that signed it. */
  public static Optional<SignedToken> verifiedToken(String token, KeyRing ring) {
    try {
      Optional<Parts> parts = split(token);
      if (parts.isEmpty()) {
        return Optional.empty();
      }
      Optional<SigningKey> key = signingKeyNamedIn(parts.get().header(), ring);
      if (key.isEmpty()) {
        return Optional.empty();
      }
      byte[] signature = Base64Url.decode(parts.get().signature());
      byte[] signingInput = parts.get().signingInput().getBytes(StandardCharsets.US_ASCII);
      if (!key.get().verify(signingInput, signature)) {
        return Optional.empty();
      }
      return claimsOf(parts.get().payload())
          .map(claims -> new SignedToken(token, claims, key.get().kid()));
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }

  private record Parts(String header, String payload, String signature) {
    String signingInput() {
      return header + "." + payload;
    }
  }

  private static Optional<Parts> split(String token) {
    if (token == null || token.length() > MAX_TOKEN_LENGTH) {
      return Optional.empty();
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || Arrays.stream(parts).anyMatch(String::isEmpty)) {
      return Optional.empty();
    }
    return Optional.of(new Parts(parts[0], parts[1], parts[2]));
  }

  private static Optional<SigningKey> signingKeyNamedIn(String encodedHeader, KeyRing ring) {
    Optional<JsonNode> header = Json.read(Base64Url.decode(encodedHeader));
    if (header.isEmpty() || !header.get().isObject()) {
      return Optional.empty();
    }
    JsonNode alg = header.get().get("alg");
    JsonNode kid = header.get().get("kid");
    // RFC 7515 requires rejecting critical extensions we do not understand, and we know none.
    boolean hasCriticalExtensions = header.get().has("crit");
    if (alg == null
        || !alg.isTextual()
        || !alg.textValue().equals("EdDSA")
        || kid == null
        || !kid.isTextual()
        || hasCriticalExtensions) {
      return Optional.empty();
    }
    return ring.byKid(kid.textValue());
  }

  private static Optional<TokenClaims> claimsOf(String encodedPayload) {
    Optional<JsonNode> parsed = Json.read(Base64Url.decode(encodedPayload));
    if (parsed.isEmpty() || !parsed.get().isObject()) {
      return Optional.empty();
    }
    JsonNode payload = parsed.get();
    JsonNode statusList = payload.path("status").path("status_list");
    long statusIndex = requiredLong(statusList, "idx");
    if (statusIndex < 0) {
      return Optional.empty();
    }
    return Optional.of(
        new TokenClaims(
            requiredText(payload, "iss"),
            requiredText(payload, "sub"),
            optionalTextArray(payload, "aud"),
            optionalScopes(payload),
            requiredNumericDate(payload, "iat"),
            requiredNumericDate(payload, "nbf"),
            requiredNumericDate(payload, "exp"),
            requiredText(payload, "jti"),
            statusIndex,
            requiredText(statusList, "uri")));
  }

  private static String requiredText(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("missing string " + name);
    }
    return value.textValue();
  }

  private static long requiredLong(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new IllegalArgumentException("missing integer " + name);
    }
    return value.longValue();
  }

  private static Instant requiredNumericDate(JsonNode node, String name) {
    return Instant.ofEpochSecond(requiredLong(node, name));
  }

  private static List<String> optionalTextArray(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new IllegalArgumentException(name + " is not an array");
    }
    List<String> texts = new ArrayList<>(value.size());
    for (JsonNode element : value) {
      if (!element.isTextual()) {
        throw new IllegalArgumentException(name + " holds a non-string");
      }
      texts.add(element.textValue());
    }
    return texts;
  }

  private static List<String> optionalScopes(JsonNode payload) {
    if (!payload.has("scope")) {
      return List.of();
    }
    // Split on single spaces keeping empty strings, so that a non-canonical scope string is
    // rejected by TokenClaims rather than silently normalised.
    return List.of(requiredText(payload, "scope").split(" ", -1));
  }
}
