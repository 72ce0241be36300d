package dev.apitoken.operator.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.format.Base64Url;
import dev.apitoken.format.CompactJws;
import dev.apitoken.format.JwtJson;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * "Key {@code kid} is revoked since {@code revokedAt}", signed by that key itself: a compact JWS
 * with header {@code {"alg":"EdDSA","kid":"<kid>","typ":"key-revocation+jwt"}} and payload {@code
 * {"revoked_kid":"<kid>","revoked_at":<seconds>}}.
 *
 * <p>Made when a key is revoked, while the ring still holds it, and published with every Status
 * List Token ({@code kid_revocations}). Because the revoked key signs it, a key-ring Secret
 * restored from a backup that still holds the key can check it with nothing else: the statement
 * survives the loss of every other record. Anyone holding the key could make one too, but all it
 * can say is that this key must not be used: harmless to repeat.
 */
public final class KeyRevocationStatement {
  public static final String TYPE = "key-revocation+jwt";
  private static final ObjectMapper JSON = new ObjectMapper();

  private KeyRevocationStatement() {}

  /** The statement that {@code key} is revoked since {@code revokedAt}, signed by {@code key}. */
  public static String sign(SigningKey key, Instant revokedAt) {
    byte[] header =
        JwtJson.write(
            generator -> {
              generator.writeStartObject();
              generator.writeStringField("alg", TrustedKey.EDDSA);
              generator.writeStringField("kid", key.kid());
              generator.writeStringField("typ", TYPE);
              generator.writeEndObject();
            });
    byte[] payload =
        JwtJson.write(
            generator -> {
              generator.writeStartObject();
              generator.writeStringField("revoked_kid", key.kid());
              generator.writeNumberField("revoked_at", revokedAt.getEpochSecond());
              generator.writeEndObject();
            });
    String signingInput = Base64Url.encode(header) + "." + Base64Url.encode(payload);
    return signingInput
        + "."
        + Base64Url.encode(key.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  /** A checked statement: which key, revoked since when. */
  public record Revoked(String kid, Instant revokedAt, String statement) {}

  /**
   * The statement read back, when the key it names is in {@code keys} and signed it; empty for
   * anything else (malformed, another type, a key not ours, a signature that does not verify).
   */
  public static Optional<Revoked> verify(String statement, TrustedKeys keys) {
    try {
      CompactJws jws = CompactJws.split(statement.getBytes(StandardCharsets.ISO_8859_1));
      JwtJson.Header header = JwtJson.protectedHeader(jws.header());
      if (!TYPE.equals(header.typ()) || header.kid() == null) {
        return Optional.empty();
      }
      TrustedKey key = keys.key(header.kid());
      if (key == null || !jws.signedBy(key, header.alg())) {
        return Optional.empty();
      }
      JsonNode payload = JSON.readTree(jws.payload());
      JsonNode kid = payload.get("revoked_kid");
      JsonNode at = payload.get("revoked_at");
      if (kid == null
          || !header.kid().equals(kid.asText())
          || at == null
          || !at.canConvertToLong()
          || at.asLong() < 0) {
        return Optional.empty();
      }
      return Optional.of(new Revoked(header.kid(), Instant.ofEpochSecond(at.asLong()), statement));
    } catch (RuntimeException | java.io.IOException unreadable) {
      return Optional.empty();
    }
  }
}
