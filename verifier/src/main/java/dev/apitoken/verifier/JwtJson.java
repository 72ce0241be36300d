package dev.apitoken.verifier;

import static dev.apitoken.verifier.StrictJson.memberName;
import static dev.apitoken.verifier.StrictJson.nonEmptyString;
import static dev.apitoken.verifier.StrictJson.nonNegativeLong;
import static dev.apitoken.verifier.StrictJson.numericDate;
import static dev.apitoken.verifier.StrictJson.requireEnd;
import static dev.apitoken.verifier.StrictJson.skipValue;
import static dev.apitoken.verifier.StrictJson.string;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JSON of a token's header and payload with a streaming parser: no tree is built, every
 * member is type-checked as it is read, and a duplicate member anywhere fails the parse (a token
 * must not mean one thing to us and another to a different JSON reader).
 *
 * <p>For the same reason the text must be what RFC 7515 and I-JSON (RFC 7493) ask, which strict
 * readers (Python's {@code json}, Go's {@code encoding/json}) enforce: UTF-8 without a byte order
 * mark (Jackson would otherwise skip a BOM and even detect UTF-16 or UTF-32 on its own), and no
 * string or member name with an unpaired surrogate escape such as {@code "\ud800"}.
 */
final class JwtJson {
  /** The largest NumericDate accepted: 9999-12-31T23:59:59Z. */
  static final long MAX_NUMERIC_DATE = StrictJson.MAX_NUMERIC_DATE;

  private JwtJson() {}

  /** A header or payload that does not have the shape CONTRACTS.md fixes. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      // No stack trace: this is the expected path for every malformed token.
      super(message, null, false, false);
    }
  }

  /** The protected header: {@code alg} and {@code kid}, after {@code typ} was checked. */
  record Header(String alg, String kid) {}

  /** The claims as read so far; fields stay null (or -1) until their member is read. */
  static final class Payload {
    String issuer;
    String subject;
    List<String> audience = List.of();
    List<String> scopes = List.of();
    long issuedAt = -1;
    long notBefore = -1;
    long expiresAt = -1;
    String jti;
    boolean hasStatus;
    long statusIndex = -1;
    String statusUri;
  }

  /**
   * Reads a header: a JSON object with {@code alg} and {@code kid} (non-empty strings), optionally
   * {@code typ} equal to {@code JWT}, and no other member ({@code crit}, {@code jwk}, {@code jku}
   * and the like are refused rather than ignored).
   */
  static Header header(byte[] json) throws IOException, MalformedException {
    try {
      return readHeader(json);
    } catch (StrictJson.Malformed e) {
      throw new MalformedException(e.getMessage());
    }
  }

  private static Header readHeader(byte[] json) throws IOException, MalformedException {
    String alg = null;
    String kid = null;
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
          case "typ" -> {
            if (!"JWT".equals(nonEmptyString(parser, value, "typ"))) {
              throw new MalformedException("typ is not JWT");
            }
          }
          default ->
              throw new MalformedException(
                  "unexpected header member " + UntrustedText.escape(name));
        }
      }
      requireEnd(parser);
    }
    if (alg == null || kid == null) {
      throw new MalformedException("header lacks alg or kid");
    }
    return new Header(alg, kid);
  }

  /**
   * Reads a payload into {@code into}. Known claims must have their registered types; unknown
   * claims are skipped, as RFC 7519 asks. Presence of required claims is the caller's check.
   */
  static void payload(byte[] json, Payload into) throws IOException, MalformedException {
    try {
      readPayload(json, into);
    } catch (StrictJson.Malformed e) {
      throw new MalformedException(e.getMessage());
    }
  }

  private static void readPayload(byte[] json, Payload into)
      throws IOException, MalformedException {
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
          case "aud" -> into.audience = audience(parser, value);
          case "scope" -> into.scopes = scopes(string(parser, value, "scope"));
          case "iat" -> into.issuedAt = numericDate(parser, value, "iat");
          case "nbf" -> into.notBefore = numericDate(parser, value, "nbf");
          case "exp" -> into.expiresAt = numericDate(parser, value, "exp");
          case "status" -> status(parser, value, into);
          default -> skipValue(parser, value);
        }
      }
      requireEnd(parser);
    }
  }

  private static void status(JsonParser parser, JsonToken value, Payload into)
      throws IOException, MalformedException {
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
      throws IOException, MalformedException {
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

  private static List<String> audience(JsonParser parser, JsonToken value)
      throws IOException, MalformedException {
    if (value == JsonToken.VALUE_STRING) {
      // RFC 7519 allows a single audience as a plain string; some libraries write it that way.
      return List.of(string(parser, value, "aud"));
    }
    if (value != JsonToken.START_ARRAY) {
      throw new MalformedException("aud is neither a string nor an array");
    }
    List<String> audience = new ArrayList<>(2);
    JsonToken element;
    while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
      audience.add(string(parser, element, "aud element"));
    }
    return audience;
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
        scopes.add(scope.substring(start, end));
      }
      start = end + 1;
    }
    return scopes;
  }
}
