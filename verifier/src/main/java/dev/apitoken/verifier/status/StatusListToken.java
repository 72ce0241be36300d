package dev.apitoken.verifier.status;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.apitoken.verifier.TrustedKeys;
import dev.apitoken.verifier.UntrustedText;
import dev.apitoken.verifier.WellFormedText;
import dev.apitoken.verifier.status.StatusListTokenException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * A verified Status List Token (draft-ietf-oauth-status-list, section "Status List Token" in JWT
 * format): a compact JWS signed with EdDSA by a key of the trusted JWKS, header {@code
 * {"alg":"EdDSA","kid":"...","typ":"statuslist+jwt"}}, claims {@code sub} (the status list URI),
 * {@code iat}, {@code exp}, optional {@code ttl} and {@code status_list} {@code {bits, lst}}.
 *
 * <p>Read as strictly as tokens are: canonical base64url, UTF-8 JSON without a byte order mark or
 * unpaired surrogate escapes, duplicate members refused anywhere, no header member beyond {@code
 * alg}, {@code kid} and {@code typ}, no {@code status_list} member beyond {@code bits}, {@code lst}
 * and the draft's optional {@code aggregation_uri}; unknown claims are skipped (RFC 7519) but must
 * be well formed too. {@code exp} is required although the draft makes it optional: a list that
 * cannot expire cannot go stale, and a frozen copy must stop being trusted.
 *
 * <p>Whether the list is still fresh, and whether {@code sub} is the URI a token names, are the
 * caller's checks: {@link #isStale(Instant, long)}, {@link #subject()}.
 */
public final class StatusListToken {
  /** The header's {@code typ}. */
  public static final String TYPE = "statuslist+jwt";

  /** The media type the list is served with. */
  public static final String MEDIA_TYPE = "application/statuslist+jwt";

  /**
   * Longer compact serializations are refused unread: 4 MiB, far beyond the 1 MiB a ConfigMap
   * holds; the decoded list is bounded separately by {@link StatusList#MAX_BYTES}.
   */
  public static final int MAX_LENGTH = 4 * 1024 * 1024;

  private static final String EDDSA = "EdDSA";
  private static final long MAX_NUMERIC_DATE = 253_402_300_799L;
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final String kid;
  private final String subject;
  private final long issuedAt;
  private final long expiresAt;
  private final long ttl;
  private final int bits;
  private final String lst;

  private StatusListToken(
      String kid, String subject, long issuedAt, long expiresAt, long ttl, int bits, String lst) {
    this.kid = kid;
    this.subject = subject;
    this.issuedAt = issuedAt;
    this.expiresAt = expiresAt;
    this.ttl = ttl;
    this.bits = bits;
    this.lst = lst;
  }

  /**
   * Verifies and reads a Status List Token. Does not decode {@code lst}; {@link #statusList()} and
   * {@link #statusList(int)} do (and can still refuse it).
   *
   * @throws StatusListTokenException when it is not a well-formed Status List Token signed by one
   *     of {@code keys}; the message names the problem and never quotes the token
   */
  public static StatusListToken parse(String compact, TrustedKeys keys) {
    if (compact == null || compact.isEmpty()) {
      throw malformed("the Status List Token is empty");
    }
    if (compact.length() > MAX_LENGTH) {
      throw malformed("the Status List Token is longer than " + MAX_LENGTH + " characters");
    }
    byte[] bytes = compact.getBytes(StandardCharsets.ISO_8859_1);
    int firstDot = compact.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : compact.indexOf('.', firstDot + 1);
    if (firstDot <= 0
        || secondDot < 0
        || secondDot == firstDot + 1
        || secondDot == compact.length() - 1
        || compact.indexOf('.', secondDot + 1) >= 0) {
      throw malformed("the Status List Token is not three non-empty parts");
    }
    byte[] headerJson = base64Url(compact.substring(0, firstDot), "header");
    byte[] payloadJson = base64Url(compact.substring(firstDot + 1, secondDot), "payload");
    byte[] signature = base64Url(compact.substring(secondDot + 1), "signature");

    String[] header = header(headerJson);
    String alg = header[0];
    String kid = header[1];
    if (!TYPE.equals(header[2])) {
      throw new StatusListTokenException(
          Problem.WRONG_TYPE, "typ is " + UntrustedText.escape(header[2]) + ", expected " + TYPE);
    }
    if (!keys.contains(kid)) {
      throw new StatusListTokenException(
          Problem.UNKNOWN_KEY, "kid " + UntrustedText.escape(kid) + " is not in the trusted JWKS");
    }
    if (!keys.verifies(kid, alg, signature, bytes, secondDot)) {
      throw new StatusListTokenException(
          Problem.BAD_SIGNATURE,
          "the signature does not verify with key "
              + kid
              + " (alg "
              + UntrustedText.escape(alg)
              + ")");
    }
    return payload(kid, payloadJson);
  }

  /** The kid of the key that signed it. */
  public String kid() {
    return kid;
  }

  /** {@code sub}: the status list URI; a token may use this list only if it names this URI. */
  public String subject() {
    return subject;
  }

  /** {@code iat}, seconds since the epoch. */
  public long issuedAt() {
    return issuedAt;
  }

  /** {@code exp}, seconds since the epoch. */
  public long expiresAt() {
    return expiresAt;
  }

  /** {@code ttl} in seconds, the draft's caching hint; -1 when absent. */
  public long ttl() {
    return ttl;
  }

  /** {@code status_list.bits}. */
  public int bits() {
    return bits;
  }

  /** {@code status_list.lst}, as signed. */
  public String lst() {
    return lst;
  }

  /**
   * Whether the list must no longer be trusted at {@code now}: at or past {@code exp}, or, when
   * {@code maxAgeSeconds >= 0}, issued more than that long ago.
   */
  public boolean isStale(Instant now, long maxAgeSeconds) {
    long nowSeconds = now.getEpochSecond();
    return nowSeconds >= expiresAt || (maxAgeSeconds >= 0 && nowSeconds - issuedAt > maxAgeSeconds);
  }

  /**
   * The whole list, indices {@code [0, end)}.
   *
   * @throws StatusListFormatException when {@code lst} is not a well-formed list
   */
  public StatusList statusList() {
    return StatusList.decode(bits, lst);
  }

  /**
   * Only the indices of shard {@code shard} (see {@link StatusList#decodeShard(int, String, int)}).
   *
   * @throws StatusListFormatException when {@code lst} is not a well-formed list
   */
  public StatusList statusList(int shard) {
    return StatusList.decodeShard(bits, lst, shard);
  }

  @Override
  public String toString() {
    return "StatusListToken[sub="
        + UntrustedText.escape(subject, UntrustedText.MESSAGE_MAX_LENGTH)
        + ", iat="
        + Instant.ofEpochSecond(issuedAt)
        + ", exp="
        + Instant.ofEpochSecond(expiresAt)
        + ", kid="
        + kid
        + "]";
  }

  /** alg, kid, typ. */
  private static String[] header(byte[] json) {
    String alg = null;
    String kid = null;
    String typ = null;
    try (JsonParser parser = JSON.createParser(utf8(json, "header"))) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw malformed("the header is not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = memberName(parser);
        JsonToken value = parser.nextToken();
        switch (name) {
          case "alg" -> alg = nonEmptyString(parser, value, "alg");
          case "kid" -> kid = nonEmptyString(parser, value, "kid");
          case "typ" -> typ = nonEmptyString(parser, value, "typ");
          default -> throw malformed("unexpected header member " + UntrustedText.escape(name));
        }
      }
      requireEnd(parser);
    } catch (IOException e) {
      throw malformed("the header is not JSON", e);
    }
    if (alg == null || kid == null || typ == null) {
      throw malformed("the header lacks alg, kid or typ");
    }
    if (!EDDSA.equals(alg)) {
      throw new StatusListTokenException(
          Problem.BAD_SIGNATURE, "alg is " + UntrustedText.escape(alg) + ", expected " + EDDSA);
    }
    return new String[] {alg, kid, typ};
  }

  private static StatusListToken payload(String kid, byte[] json) {
    String subject = null;
    long issuedAt = -1;
    long expiresAt = -1;
    long ttl = -1;
    int bits = -1;
    String lst = null;
    try (JsonParser parser = JSON.createParser(utf8(json, "payload"))) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw malformed("the payload is not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = memberName(parser);
        JsonToken value = parser.nextToken();
        switch (name) {
          case "sub" -> subject = nonEmptyString(parser, value, "sub");
          case "iss" -> nonEmptyString(parser, value, "iss");
          case "iat" -> issuedAt = numericDate(parser, value, "iat");
          case "exp" -> expiresAt = numericDate(parser, value, "exp");
          case "ttl" -> ttl = nonNegativeLong(parser, value, "ttl");
          case "status_list" -> {
            if (value != JsonToken.START_OBJECT) {
              throw malformed("status_list is not an object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
              String member = memberName(parser);
              JsonToken memberValue = parser.nextToken();
              switch (member) {
                case "bits" ->
                    bits = (int) Math.min(nonNegativeLong(parser, memberValue, "bits"), 9);
                case "lst" -> lst = nonEmptyString(parser, memberValue, "lst");
                case "aggregation_uri" -> nonEmptyString(parser, memberValue, "aggregation_uri");
                default ->
                    throw malformed(
                        "unexpected status_list member " + UntrustedText.escape(member));
              }
            }
            if (bits < 0 || lst == null) {
              throw malformed("status_list lacks bits or lst");
            }
          }
          default -> skipValue(parser, value);
        }
      }
      requireEnd(parser);
    } catch (IOException e) {
      throw malformed("the payload is not JSON", e);
    }
    if (subject == null || issuedAt < 0 || expiresAt < 0 || lst == null) {
      throw malformed("the payload lacks sub, iat, exp or status_list");
    }
    if (expiresAt <= issuedAt) {
      throw malformed("exp is not after iat");
    }
    if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
      throw malformed("status_list.bits must be 1, 2, 4 or 8");
    }
    return new StatusListToken(kid, subject, issuedAt, expiresAt, ttl, bits, lst);
  }

  private static StatusListTokenException malformed(String message) {
    return new StatusListTokenException(Problem.MALFORMED, message);
  }

  private static StatusListTokenException malformed(String message, Throwable cause) {
    return new StatusListTokenException(Problem.MALFORMED, message, cause);
  }

  private static byte[] base64Url(String part, String name) {
    byte[] decoded;
    try {
      decoded = Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException e) {
      throw malformed("the " + name + " is not base64url");
    }
    // One spelling per document: padding and non-zero trailing bits are refused.
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(decoded).equals(part)) {
      throw malformed("the " + name + " is not canonical base64url without padding");
    }
    return decoded;
  }

  private static String utf8(byte[] json, String part) {
    if (json.length >= 3
        && (json[0] & 0xFF) == 0xEF
        && (json[1] & 0xFF) == 0xBB
        && (json[2] & 0xFF) == 0xBF) {
      throw malformed("the " + part + " starts with a UTF-8 byte order mark");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(json))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed("the " + part + " is not UTF-8");
    }
  }

  private static long numericDate(JsonParser parser, JsonToken value, String name)
      throws IOException {
    long seconds = nonNegativeLong(parser, value, name);
    if (seconds > MAX_NUMERIC_DATE) {
      throw malformed(name + " is beyond the year 9999");
    }
    return seconds;
  }

  private static long nonNegativeLong(JsonParser parser, JsonToken value, String name)
      throws IOException {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      throw malformed(name + " is not an integer");
    }
    JsonParser.NumberType type = parser.getNumberType();
    if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
      throw malformed(name + " is too large");
    }
    long number = parser.getLongValue();
    if (number < 0) {
      throw malformed(name + " is negative");
    }
    return number;
  }

  private static String nonEmptyString(JsonParser parser, JsonToken value, String name)
      throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw malformed(name + " is not a string");
    }
    String text = wellFormed(parser.getText(), name);
    if (text.isEmpty()) {
      throw malformed(name + " is empty");
    }
    return text;
  }

  private static String memberName(JsonParser parser) throws IOException {
    return wellFormed(parser.currentName(), "a member name");
  }

  private static String wellFormed(String text, String name) {
    if (WellFormedText.hasUnpairedSurrogate(text)) {
      throw malformed(name + " has an unpaired surrogate escape");
    }
    return text;
  }

  /** Skips an unknown claim, holding its strings and member names to the same rules. */
  private static void skipValue(JsonParser parser, JsonToken value) throws IOException {
    int depth = 0;
    JsonToken token = value;
    while (true) {
      if (token == null) {
        throw malformed("the JSON text ends inside a value");
      }
      switch (token) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case FIELD_NAME -> memberName(parser);
        case VALUE_STRING -> wellFormed(parser.getText(), "a string");
        default -> {
          // Numbers and literals have no text that could be ill-formed.
        }
      }
      if (depth == 0) {
        return;
      }
      token = parser.nextToken();
    }
  }

  private static void requireEnd(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
      throw malformed("content after the JSON object");
    }
  }
}
