package dev.apitoken.operator.token;

import java.nio.charset.StandardCharsets;

/**
 * Signs tokens in the JWS compact serialization of docs/CONTRACTS.md: header {@code
 * {"alg":"EdDSA","typ":"JWT","kid":"<kid>"}}, payload members in the fixed order iss, sub, aud,
 * scope, iat, nbf, exp, jti, status, Ed25519 signature. The same claims and key always give the
 * same token, because Ed25519 signatures are deterministic.
 */
public final class TokenSigner {

  private TokenSigner() {}

  public static SignedToken sign(TokenClaims claims, SigningKey key) {
    String header = Base64Url.encode(headerJson(key.kid()));
    String payload = Base64Url.encode(payloadJson(claims));
    String signingInput = header + "." + payload;
    byte[] signature = key.sign(signingInput.getBytes(StandardCharsets.US_ASCII));
    return new SignedToken(signingInput + "." + Base64Url.encode(signature), claims, key.kid());
  }

  static byte[] headerJson(String kid) {
    return Json.write(
        generator -> {
          generator.writeStartObject();
          generator.writeStringField("alg", "EdDSA");
          generator.writeStringField("typ", "JWT");
          generator.writeStringField("kid", kid);
          generator.writeEndObject();
        });
  }

  static byte[] payloadJson(TokenClaims claims) {
    return Json.write(
        generator -> {
          generator.writeStartObject();
          generator.writeStringField("iss", claims.issuer());
          generator.writeStringField("sub", claims.subject());
          if (!claims.audiences().isEmpty()) {
            generator.writeArrayFieldStart("aud");
            for (String audience : claims.audiences()) {
              generator.writeString(audience);
            }
            generator.writeEndArray();
          }
          if (!claims.scopes().isEmpty()) {
            generator.writeStringField("scope", claims.scope());
          }
          generator.writeNumberField("iat", claims.issuedAt().getEpochSecond());
          generator.writeNumberField("nbf", claims.notBefore().getEpochSecond());
          generator.writeNumberField("exp", claims.expiresAt().getEpochSecond());
          generator.writeStringField("jti", claims.jti());
          generator.writeObjectFieldStart("status");
          generator.writeObjectFieldStart("status_list");
          generator.writeNumberField("idx", claims.statusIndex());
          generator.writeStringField("uri", claims.statusUri());
          generator.writeEndObject();
          generator.writeEndObject();
          generator.writeEndObject();
        });
  }
}
