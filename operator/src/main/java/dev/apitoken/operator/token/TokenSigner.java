package dev.apitoken.operator.token;

import dev.apitoken.format.Base64Url;
import dev.apitoken.format.JwtJson;
import dev.apitoken.format.TokenClaims;
import java.nio.charset.StandardCharsets;

/**
 * Signs tokens in the JWS compact serialization of docs/CONTRACTS.md: the header and payload {@link
 * JwtJson} writes (the wire format's one definition), Ed25519 signature. The same claims and key
 * always give the same token, because Ed25519 signatures are deterministic.
 */
public final class TokenSigner {

  private TokenSigner() {}

  public static SignedToken sign(TokenClaims claims, SigningKey key) {
    String header = Base64Url.encode(JwtJson.writeHeader(key.kid()));
    String payload = Base64Url.encode(JwtJson.writePayload(claims));
    String signingInput = header + "." + payload;
    byte[] signature = key.sign(signingInput.getBytes(StandardCharsets.US_ASCII));
    return new SignedToken(signingInput + "." + Base64Url.encode(signature), claims, key.kid());
  }
}
