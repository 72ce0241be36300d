package dev.apitoken.format.status;

import static dev.apitoken.format.StrictJson.memberName;
import static dev.apitoken.format.StrictJson.nonEmptyString;
import static dev.apitoken.format.StrictJson.nonNegativeLong;
import static dev.apitoken.format.StrictJson.numericDate;
import static dev.apitoken.format.StrictJson.requireEnd;
import static dev.apitoken.format.StrictJson.skipValue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.apitoken.format.CompactJws;
import dev.apitoken.format.JwtJson;
import dev.apitoken.format.MalformedException;
import dev.apitoken.format.StrictJson;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.format.status.StatusListTokenException.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * A verified Status List Token (draft-ietf-oauth-status-list, section "Status List Token" in JWT
 * format): a compact JWS signed with EdDSA by a key of the trusted JWKS, header {@code
 * {"alg":"EdDSA","kid":"...","typ":"statuslist+jwt"}}, claims {@code sub} (the status list URI),
 * {@code iat}, {@code exp}, optional {@code ttl} and {@code status_list} {@code {bits, lst}}, and
 * this project's private claims: {@code ver} (the publication version, which only grows: verifiers
 * keep the list with the highest version, not the newest {@code iat}), and, for the operator's own
 * recovery only, {@code idx_reserved} (no index below it may be handed out again) and {@code
 * revoked_kids} ({@code {"<kid>": <revokedAt seconds>}}). Other verifiers skip them (RFC 7519).
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

  private static final String EDDSA = TrustedKey.EDDSA;

  private final String kid;
  private final String subject;
  private final long issuedAt;
  private final long expiresAt;
  private final long ttl;
  private final int bits;
  private final String lst;
  private final Signed signed;

  /**
   * The private claims: {@code ver} (0 when absent: lists written before versions existed), {@code
   * idx_reserved} (-1 when absent), {@code revoked_kids} (empty when absent) and {@code
   * kid_revocations}: statements each signed by the revoked key itself (compact JWS strings, opaque
   * here), so that a key ring restored from a backup that still holds the key can check its
   * revocation without any other key.
   */
  public record Signed(
      long version,
      long reservedIndices,
      Map<String, Long> revokedKids,
      java.util.List<String> keyRevocations) {
    public static final Signed NONE = new Signed(0, -1, Map.of(), java.util.List.of());

    public Signed {
      revokedKids = Map.copyOf(revokedKids);
      keyRevocations = java.util.List.copyOf(keyRevocations);
    }

    public Signed(long version, long reservedIndices, Map<String, Long> revokedKids) {
      this(version, reservedIndices, revokedKids, java.util.List.of());
    }
  }

  private StatusListToken(
      String kid,
      String subject,
      long issuedAt,
      long expiresAt,
      long ttl,
      int bits,
      String lst,
      Signed signed) {
    this.kid = kid;
    this.subject = subject;
    this.issuedAt = issuedAt;
    this.expiresAt = expiresAt;
    this.ttl = ttl;
    this.bits = bits;
    this.lst = lst;
    this.signed = signed;
  }

  /**
   * Verifies and reads a Status List Token. Does not decode {@code lst}; {@link #statusList()} and
   * {@link #statusList(int)} do (and can still refuse it).
   *
   * @throws StatusListTokenException when it is not a well-formed Status List Token signed by one
   *     of {@code keys}; the message names the problem and never quotes the token
   */
  public static StatusListToken parse(String compact, TrustedKeys keys) {
    CompactJws jws = split(compact);
    JwtJson.Header header = typedHeader(jws);
    String alg = header.alg();
    String kid = header.kid();
    TrustedKey key = keys.key(kid);
    if (key == null) {
      throw new StatusListTokenException(
          Problem.UNKNOWN_KEY, "kid " + UntrustedText.escape(kid) + " is not in the trusted JWKS");
    }
    if (!jws.signedBy(key, alg)) {
      throw new StatusListTokenException(
          Problem.BAD_SIGNATURE,
          "the signature does not verify with key "
              + kid
              + " (alg "
              + UntrustedText.escape(alg)
              + ")");
    }
    return payload(kid, jws.payload());
  }

  /**
   * Reads a Status List Token by the same rules as {@link #parse} without checking who signed it:
   * for its writer, which re-signs to compare ({@code kid} is then the header's), and which only
   * ever adds revocations from what it reads.
   *
   * @throws StatusListTokenException when it is not a well-formed Status List Token
   */
  public static StatusListToken readUnverified(String compact) {
    CompactJws jws = split(compact);
    return payload(typedHeader(jws).kid(), jws.payload());
  }

  /** The header its writer signs: {@code {"alg":"EdDSA","kid":"<kid>","typ":"statuslist+jwt"}}. */
  public static byte[] writeHeader(String kid) {
    return JwtJson.write(
        generator -> {
          generator.writeStartObject();
          generator.writeStringField("alg", EDDSA);
          generator.writeStringField("kid", kid);
          generator.writeStringField("typ", TYPE);
          generator.writeEndObject();
        });
  }

  /**
   * The payload its writer signs, members in this order: {@code
   * {"sub":..,"iat":..,"exp":..,"ttl":..,"status_list":{"bits":..,"lst":..}}}; {@link #parse} reads
   * it back. Written without the private claims: {@link #writePayload(String, long, long, long,
   * int, String, Signed)}.
   */
  public static byte[] writePayload(
      String subject, long issuedAt, long expiresAt, long ttl, int bits, String lst) {
    return writePayload(subject, issuedAt, expiresAt, ttl, bits, lst, null);
  }

  /**
   * The payload with the private claims after {@code status_list}, in this order: {@code ver},
   * {@code idx_reserved} (when not -1), {@code revoked_kids} (when not empty, kids sorted), {@code
   * kid_revocations} (when not empty, sorted).
   */
  public static byte[] writePayload(
      String subject,
      long issuedAt,
      long expiresAt,
      long ttl,
      int bits,
      String lst,
      Signed signed) {
    return JwtJson.write(
        generator -> {
          generator.writeStartObject();
          generator.writeStringField("sub", subject);
          generator.writeNumberField("iat", issuedAt);
          generator.writeNumberField("exp", expiresAt);
          generator.writeNumberField("ttl", ttl);
          generator.writeObjectFieldStart("status_list");
          generator.writeNumberField("bits", bits);
          generator.writeStringField("lst", lst);
          generator.writeEndObject();
          if (signed != null) {
            generator.writeNumberField("ver", signed.version());
            if (signed.reservedIndices() >= 0) {
              generator.writeNumberField("idx_reserved", signed.reservedIndices());
            }
            if (!signed.revokedKids().isEmpty()) {
              generator.writeObjectFieldStart("revoked_kids");
              for (Map.Entry<String, Long> kid : new TreeMap<>(signed.revokedKids()).entrySet()) {
                generator.writeNumberField(kid.getKey(), kid.getValue());
              }
              generator.writeEndObject();
            }
            if (!signed.keyRevocations().isEmpty()) {
              generator.writeArrayFieldStart("kid_revocations");
              for (String statement : new java.util.TreeSet<>(signed.keyRevocations())) {
                generator.writeString(statement);
              }
              generator.writeEndArray();
            }
          }
          generator.writeEndObject();
        });
  }

  private static JwtJson.Header typedHeader(CompactJws jws) {
    JwtJson.Header header = header(jws.header());
    if (!TYPE.equals(header.typ())) {
      throw new StatusListTokenException(
          Problem.WRONG_TYPE,
          "typ is " + UntrustedText.escape(header.typ()) + ", expected " + TYPE);
    }
    return header;
  }

  private static CompactJws split(String compact) {
    if (compact == null || compact.isEmpty()) {
      throw malformed("the Status List Token is empty");
    }
    if (compact.length() > MAX_LENGTH) {
      throw malformed("the Status List Token is longer than " + MAX_LENGTH + " characters");
    }
    try {
      return CompactJws.split(compact.getBytes(StandardCharsets.ISO_8859_1));
    } catch (MalformedException e) {
      throw malformed("the Status List Token is " + e.getMessage());
    }
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

  /** {@code ver}: the publication version (0 when absent); only grows from one list to the next. */
  public long version() {
    return signed.version();
  }

  /** The private claims ({@code ver}, {@code idx_reserved}, {@code revoked_kids}, proofs). */
  public Signed signed() {
    return signed;
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

  /** The header of a Status List Token: a protected header with {@code typ}, signed with EdDSA. */
  private static JwtJson.Header header(byte[] json) {
    JwtJson.Header header;
    try {
      header = JwtJson.protectedHeader(json);
    } catch (MalformedException e) {
      throw malformed("the " + e.getMessage());
    }
    if (header.typ() == null) {
      throw malformed("the header lacks typ");
    }
    if (!EDDSA.equals(header.alg())) {
      throw new StatusListTokenException(
          Problem.BAD_SIGNATURE,
          "alg is " + UntrustedText.escape(header.alg()) + ", expected " + EDDSA);
    }
    return header;
  }

  private static StatusListToken payload(String kid, byte[] json) {
    try {
      return readPayload(kid, json);
    } catch (MalformedException e) {
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
    long version = 0;
    long reserved = -1;
    Map<String, Long> revokedKids = new TreeMap<>();
    java.util.List<String> keyRevocations = new java.util.ArrayList<>();
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
          case "ver" -> version = nonNegativeLong(parser, value, "ver");
          case "idx_reserved" -> reserved = nonNegativeLong(parser, value, "idx_reserved");
          case "revoked_kids" -> {
            if (value != JsonToken.START_OBJECT) {
              throw malformed("revoked_kids is not an object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
              String revokedKid = memberName(parser);
              revokedKids.put(
                  revokedKid, numericDate(parser, parser.nextToken(), "a revoked_kids member"));
            }
          }
          case "kid_revocations" -> {
            if (value != JsonToken.START_ARRAY) {
              throw malformed("kid_revocations is not an array");
            }
            for (JsonToken item = parser.nextToken();
                item != JsonToken.END_ARRAY;
                item = parser.nextToken()) {
              keyRevocations.add(nonEmptyString(parser, item, "a kid_revocations item"));
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
    return new StatusListToken(
        kid,
        subject,
        issuedAt,
        expiresAt,
        ttl,
        bits,
        lst,
        new Signed(version, reserved, revokedKids, keyRevocations));
  }

  private static StatusListTokenException malformed(String message) {
    return new StatusListTokenException(Problem.MALFORMED, message);
  }

  private static StatusListTokenException malformed(String message, Throwable cause) {
    return new StatusListTokenException(Problem.MALFORMED, message, cause);
  }
}
