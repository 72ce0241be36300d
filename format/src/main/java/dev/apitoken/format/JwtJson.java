package dev.apitoken.format;

import static dev.apitoken.format.StrictJson.memberName;
import static dev.apitoken.format.StrictJson.nonEmptyString;
import static dev.apitoken.format.StrictJson.nonNegativeLong;
import static dev.apitoken.format.StrictJson.numericDate;
import static dev.apitoken.format.StrictJson.requireEnd;
import static dev.apitoken.format.StrictJson.skipValue;
import static dev.apitoken.format.StrictJson.string;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of a token's header and payload, written by the operator and read by every verifier: the
 * one definition of both (docs/CONTRACTS.md).
 *
 * <p>Reading uses a streaming parser: no tree is built, every member is type-checked as it is read,
 * and a duplicate member anywhere fails the parse (a token must not mean one thing to us and
 * another to a different JSON reader).
 *
 * <p>For the same reason the text must be what RFC 7515 and I-JSON (RFC 7493) ask, which strict
 * readers (Python's {@code json}, Go's {@code encoding/json}) enforce: UTF-8 without a byte order
 * mark (Jackson would otherwise skip a BOM and even detect UTF-16 or UTF-32 on its own), and no
 * string or member name with an unpaired surrogate escape such as {@code "\ud800"}.
 */
public final class JwtJson {
  // Characters outside the BMP as four UTF-8 bytes, not as a twelve-byte escaped surrogate pair:
  // the size of the largest token a spec can produce (the operator's TokenSize) depends on it.
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

  private JwtJson() {}

  /** A protected header: {@code alg}, {@code kid} and {@code typ} (null when absent). */
  public record Header(String alg, String kid, String typ) {}

  /**
   * The claims as read so far; a claim stays null (or -1) until its member is read, so a reader can
   * still name the {@code jti} of a token whose payload breaks off.
   */
  public static final class Payload {
    private String issuer;
    private String subject;
    private List<String> audiences = List.of();
    private List<String> scopes = List.of();
    private long issuedAt = -1;
    private long notBefore = -1;
    private long expiresAt = -1;
    private String jti;
    private boolean hasStatus;
    private long statusIndex = -1;
    private String statusUri;

    public String issuer() {
      return issuer;
    }

    public String subject() {
      return subject;
    }

    public List<String> audiences() {
      return audiences;
    }

    public String jti() {
      return jti;
    }

    /** {@code iat} in epoch seconds, -1 when absent. */
    public long issuedAt() {
      return issuedAt;
    }

    /** {@code nbf} in epoch seconds, -1 when absent. */
    public long notBefore() {
      return notBefore;
    }

    /** {@code exp} in epoch seconds, -1 when absent. */
    public long expiresAt() {
      return expiresAt;
    }

    /** Whether {@code status.status_list} is present (then with its idx and uri). */
    public boolean hasStatus() {
      return hasStatus;
    }

    public long statusIndex() {
      return statusIndex;
    }

    public String statusUri() {
      return statusUri;
    }

    /** Whether every claim a token must carry is present, the status aside. */
    public boolean hasRequiredClaims() {
      return issuer != null
          && subject != null
          && jti != null
          && issuedAt >= 0
          && notBefore >= 0
          && expiresAt >= 0;
    }

    /**
     * The claims.
     *
     * @throws MalformedException when a required claim or the status is missing
     */
    public TokenClaims claims() {
      if (!hasRequiredClaims() || !hasStatus) {
        throw new MalformedException("the payload lacks a required claim or the status");
      }
      return new TokenClaims(
          issuer,
          subject,
          audiences,
          scopes,
          Instant.ofEpochSecond(issuedAt),
          Instant.ofEpochSecond(notBefore),
          Instant.ofEpochSecond(expiresAt),
          jti,
          statusIndex,
          statusUri);
    }
  }

  /**
   * Reads a token's header: a protected header ({@link #protectedHeader}) whose {@code typ}, if
   * present, is {@code JWT}.
   *
   * @throws MalformedException when it is not
   */
  public static Header header(byte[] json) {
    Header header = protectedHeader(json);
    if (header.typ() != null && !header.typ().equals("JWT")) {
      throw new MalformedException("typ is not JWT");
    }
    return header;
  }

  /**
   * Reads a JWS protected header, of a token or of a Status List Token: a JSON object with {@code
   * alg} and {@code kid} (non-empty strings), optionally {@code typ}, and no other member ({@code
   * crit}, {@code jwk}, {@code jku} and the like are refused rather than ignored).
   *
   * @throws MalformedException when it is not
   */
  public static Header protectedHeader(byte[] json) {
    String alg = null;
    String kid = null;
    String typ = null;
    try (JsonParser parser = StrictJson.parser(json, "header")) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedException("header is not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = memberName(parser);
        JsonToken value = parser.nextToken();
        switch (name) {
          case "alg" -> alg = nonEmptyString(parser, value, "alg");
          case "kid" -> kid = nonEmptyString(parser, value, "kid");
          case "typ" -> typ = nonEmptyString(parser, value, "typ");
          default ->
              throw new MalformedException(
                  "unexpected header member " + UntrustedText.escape(name));
        }
      }
      requireEnd(parser);
    } catch (IOException e) {
      throw new MalformedException("header is not JSON");
    }
    if (alg == null || kid == null) {
      throw new MalformedException("header lacks alg or kid");
    }
    return new Header(alg, kid, typ);
  }

  /**
   * Reads a payload into {@code into}. Known claims must have their registered types; unknown
   * claims are skipped, as RFC 7519 asks. Presence of required claims is the caller's check ({@link
   * Payload#hasRequiredClaims()}, {@link Payload#claims()}).
   *
   * @throws MalformedException when a claim has the wrong type or the JSON breaks the rules; {@code
   *     into} keeps what was read before
   */
  public static void payload(byte[] json, Payload into) {
    try (JsonParser parser = StrictJson.parser(json, "payload")) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedException("payload is not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = memberName(parser);
        JsonToken value = parser.nextToken();
        switch (name) {
          case "iss" -> into.issuer = nonEmptyString(parser, value, "iss");
          case "sub" -> into.subject = nonEmptyString(parser, value, "sub");
          case "jti" -> into.jti = nonEmptyString(parser, value, "jti");
          case "aud" -> into.audiences = audiences(parser, value);
          case "scope" -> into.scopes = scopes(string(parser, value, "scope"));
          case "iat" -> into.issuedAt = numericDate(parser, value, "iat");
          case "nbf" -> into.notBefore = numericDate(parser, value, "nbf");
          case "exp" -> into.expiresAt = numericDate(parser, value, "exp");
          case "status" -> status(parser, value, into);
          default -> skipValue(parser, value);
        }
      }
      requireEnd(parser);
    } catch (IOException e) {
      throw new MalformedException("payload is not JSON");
    }
  }

  /** The header the operator signs: {@code {"alg":"EdDSA","typ":"JWT","kid":"<kid>"}}. */
  public static byte[] writeHeader(String kid) {
    return write(
        generator -> {
          generator.writeStartObject();
          generator.writeStringField("alg", TrustedKey.EDDSA);
          generator.writeStringField("typ", "JWT");
          generator.writeStringField("kid", kid);
          generator.writeEndObject();
        });
  }

  /**
   * The payload the operator signs: members in the fixed order iss, sub, aud (omitted when empty),
   * scope (omitted when empty), iat, nbf, exp, jti, status. The same claims always give the same
   * bytes, and {@link #payload} reads them back as the same claims.
   */
  public static byte[] writePayload(TokenClaims claims) {
    return write(
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

  /** Writes compact JSON (UTF-8, no whitespace). */
  public interface Writer {
    void writeTo(JsonGenerator generator) throws IOException;
  }

  /** Compact UTF-8 JSON as {@code writer} generates it. */
  public static byte[] write(Writer writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator generator = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      writer.writeTo(generator);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void status(JsonParser parser, JsonToken value, Payload into) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      throw new MalformedException("status is not an object");
    }
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = memberName(parser);
      JsonToken member = parser.nextToken();
      if (name.equals("status_list")) {
        statusList(parser, member, into);
      } else {
        // Other status mechanisms may sit beside status_list; only status_list is ours.
        skipValue(parser, member);
      }
    }
  }

  private static void statusList(JsonParser parser, JsonToken value, Payload into)
      throws IOException {
    if (value != JsonToken.START_OBJECT) {
      throw new MalformedException("status_list is not an object");
    }
    long index = -1;
    String uri = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = memberName(parser);
      JsonToken member = parser.nextToken();
      switch (name) {
        case "idx" -> index = nonNegativeLong(parser, member, "idx");
        case "uri" -> uri = nonEmptyString(parser, member, "uri");
        default ->
            throw new MalformedException(
                "unexpected status_list member " + UntrustedText.escape(name));
      }
    }
    if (index < 0 || uri == null) {
      throw new MalformedException("status_list lacks idx or uri");
    }
    into.hasStatus = true;
    into.statusIndex = index;
    into.statusUri = uri;
  }

  private static List<String> audiences(JsonParser parser, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      // RFC 7519 allows a single audience as a plain string; some libraries write it that way.
      return List.of(string(parser, value, "aud"));
    }
    if (value != JsonToken.START_ARRAY) {
      throw new MalformedException("aud is neither a string nor an array");
    }
    List<String> audiences = new ArrayList<>(2);
    JsonToken element;
    while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
      audiences.add(string(parser, element, "aud element"));
    }
    return audiences;
  }

  private static List<String> scopes(String scope) {
    if (scope.isEmpty()) {
      return List.of();
    }
    List<String> scopes = new ArrayList<>(4);
    int start = 0;
    while (start <= scope.length()) {
      int end = scope.indexOf(' ', start);
      if (end < 0) {
        end = scope.length();
      }
      if (end > start) {
        String token = scope.substring(start, end);
        if (token.chars().anyMatch(Character::isWhitespace)) {
          // RFC 6749 scope tokens hold no whitespace; only a space separates them.
          throw new MalformedException("scope holds whitespace other than single spaces");
        }
        scopes.add(token);
      }
      start = end + 1;
    }
    return scopes;
  }
}
