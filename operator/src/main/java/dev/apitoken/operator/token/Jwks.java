package dev.apitoken.operator.token;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

/** The public JWKS that workloads read from the trust ConfigMap ({@code jwks.json}). */
public final class Jwks {

  private Jwks() {}

  /**
   * {@code
   * {"keys":[{"kty":"OKP","crv":"Ed25519","kid":"...","x":"...","use":"sig","alg":"EdDSA"}]}} for
   * every key in the ring, retired ones included because tokens they signed are still valid. Keys
   * sorted by kid, no other members, no whitespace, so the same ring always gives the same bytes
   * and the ConfigMap is only rewritten when keys change.
   */
  public static String publicJson(KeyRing ring) {
    List<SigningKey> byKid =
        ring.keys().stream().sorted(Comparator.comparing(SigningKey::kid)).toList();
    byte[] json =
        Json.write(
            generator -> {
              generator.writeStartObject();
              generator.writeArrayFieldStart("keys");
              for (SigningKey key : byKid) {
                generator.writeStartObject();
                generator.writeStringField("kty", "OKP");
                generator.writeStringField("crv", "Ed25519");
                generator.writeStringField("kid", key.kid());
                generator.writeStringField("x", key.x());
                generator.writeStringField("use", "sig");
                generator.writeStringField("alg", "EdDSA");
                generator.writeEndObject();
              }
              generator.writeEndArray();
              generator.writeEndObject();
            });
    return new String(json, StandardCharsets.UTF_8);
  }
}
