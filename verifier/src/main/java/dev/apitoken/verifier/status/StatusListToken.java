package dev.apitoken.verifier.status;

import static dev.apitoken.verifier.StrictJson.memberName;
import static dev.apitoken.verifier.StrictJson.nonEmptyString;
import static dev.apitoken.verifier.StrictJson.nonNegativeLong;
import static dev.apitoken.verifier.StrictJson.numericDate;
import static dev.apitoken.verifier.StrictJson.requireEnd;
import static dev.apitoken.verifier.StrictJson.skipValue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.apitoken.verifier.StrictJson;
import dev.apitoken.verifier.TrustedKeys;
import dev.apitoken.verifier.UntrustedText;
import dev.apitoken.verifier.status.StatusListTokenException.Problem;
import java.io.IOException;
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
    try {
      return readHeader(json);
    } catch (StrictJson.Malformed e) {
      throw malformed(e.getMessage());
    }
  }

  private static String[] readHeader(byte[] json) {
    String alg = null;
    String kid = null;
    String typ = null;
    try (JsonParser parser = StrictJson.parser(json, "the header")) {
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
    try {
      return readPayload(kid, json);
    } catch (StrictJson.Malformed e) {
      throw malformed(e.getMessage());
    }
  }

  private static StatusListToken readPayload(String kid, byte[] json) {
    String subject = null;
    long issuedAt = -1;
    long expiresAt = -1;
    long ttl = -1;
    int bits = -1;
    String lst = null;
    try (JsonParser parser = StrictJson.parser(json, "the payload")) {
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
}
