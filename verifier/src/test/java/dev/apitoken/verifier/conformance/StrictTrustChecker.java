package dev.apitoken.verifier.conformance;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An independent reading of docs/TRUST-FORMAT.md: the trust files (jwks.json, status-list.json and
 * its shard files) and the checks on a token, written from that page alone. It uses {@link
 * StrictJson}, the JDK's base64 and zlib and the raw Ed25519 primitive, and none of the verifier's
 * parsing code. The fuzz test requires that the verifier never accepts what this checker refuses.
 */
final class StrictTrustChecker {
  static final long SHARD_SIZE = 1L << 21;
  static final int SHARDS = 16;
  static final long MAX_NUMERIC_DATE = 253_402_300_799L;
  private static final long MAX_LIST_BYTES = 64L * 1024 * 1024;
  private static final Set<String> KEY_MEMBERS = Set.of("kty", "crv", "kid", "x", "use", "alg");
  private static final Set<String> HEADER_MEMBERS = Set.of("alg", "kid", "typ");

  /** A verdict, by the names of TRUST-FORMAT.md's checks. */
  enum Outcome {
    VALID,
    MALFORMED,
    UNKNOWN_KEY,
    BAD_SIGNATURE,
    WRONG_ISSUER,
    WRONG_AUDIENCE,
    EXPIRED,
    NOT_YET_VALID,
    STATUS_LIST_MISSING,
    STATUS_UNKNOWN,
    REVOKED
  }

  /** The trust file is not as TRUST-FORMAT.md describes it. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** One shard's list: its bytes from index 0, as decoded, and its uri. */
  record Shard(int bits, byte[] bytes, String uri) {}

  private final Map<String, byte[]> keys;
  private final Shard[] shards;

  private StrictTrustChecker(Map<String, byte[]> keys, Shard[] shards) {
    this.keys = keys;
    this.shards = shards;
  }

  /**
   * Reads the trust files; {@code statusLists} by shard, null where a file is absent.
   *
   * @throws Refused when any file breaks the format
   */
  static StrictTrustChecker load(String jwksJson, List<String> statusLists) throws Refused {
    if (jwksJson == null) {
      throw new Refused("no jwks.json");
    }
    Map<String, byte[]> keys = jwks(json(jwksJson));
    Shard[] shards = new Shard[SHARDS];
    for (int k = 0; k < statusLists.size(); k++) {
      if (statusLists.get(k) != null) {
        shards[k] = statusList(json(statusLists.get(k)));
      }
    }
    return new StrictTrustChecker(keys, shards);
  }

  private static Object json(String text) throws Refused {
    try {
      return StrictJson.parse(text);
    } catch (StrictJson.Invalid e) {
      throw new Refused("not strict JSON: " + e.getMessage());
    }
  }

  private static Map<String, byte[]> jwks(Object root) throws Refused {
    if (!(root instanceof Map<?, ?> object) || object.size() != 1) {
      throw new Refused("jwks.json is not an object with only \"keys\"");
    }
    if (!(object.get("keys") instanceof List<?> list)) {
      throw new Refused("keys is not an array");
    }
    Map<String, byte[]> keys = new HashMap<>();
    for (Object element : list) {
      if (!(element instanceof Map<?, ?> key) || !KEY_MEMBERS.containsAll(key.keySet())) {
        throw new Refused("a key is not an object of the listed members");
      }
      requireEquals(key, "kty", "OKP");
      requireEquals(key, "crv", "Ed25519");
      if (key.containsKey("use")) {
        requireEquals(key, "use", "sig");
      }
      if (key.containsKey("alg")) {
        requireEquals(key, "alg", "EdDSA");
      }
      String x = nonEmptyString(key.get("x"));
      String kid = nonEmptyString(key.get("kid"));
      byte[] raw = base64url(x);
      if (raw == null || raw.length != 32) {
        throw new Refused("x is not 32 bytes of base64url");
      }
      if (!kid.equals(thumbprint(x))) {
        throw new Refused("kid is not the thumbprint of x");
      }
      if (keys.put(kid, raw) != null) {
        throw new Refused("two keys with one kid");
      }
    }
    return keys;
  }

  private static Shard statusList(Object root) throws Refused {
    if (!(root instanceof Map<?, ?> document)
        || !document.keySet().equals(Set.of("bits", "lst", "uri"))) {
      throw new Refused("a status list is not an object of exactly bits, lst and uri");
    }
    if (!(document.get("bits") instanceof StrictJson.Number number) || !number.integer()) {
      throw new Refused("bits is not an integer");
    }
    BigInteger bits = number.bigInteger();
    if (!Set.of(1, 2, 4, 8).contains(bits.bitLength() > 8 ? -1 : bits.intValue())) {
      throw new Refused("bits is not 1, 2, 4 or 8");
    }
    byte[] compressed = base64url(nonEmptyString(document.get("lst")));
    if (compressed == null) {
      throw new Refused("lst is not base64url");
    }
    return new Shard(bits.intValue(), zlib(compressed), nonEmptyString(document.get("uri")));
  }

  /**
   * Checks a token as TRUST-FORMAT.md's "Checking a token" says, with the status looked up in the
   * shard that holds its index.
   */
  Outcome check(String token, String issuer, String audience, long nowMillis, long leewayMillis) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Outcome.MALFORMED;
    }
    byte[] headerBytes = base64url(parts[0]);
    byte[] payloadBytes = base64url(parts[1]);
    byte[] signature = base64url(parts[2]);
    if (headerBytes == null || payloadBytes == null || signature == null) {
      return Outcome.MALFORMED;
    }
    Map<?, ?> header;
    try {
      if (!(StrictJson.parse(headerBytes) instanceof Map<?, ?> object)) {
        return Outcome.MALFORMED;
      }
      header = object;
    } catch (StrictJson.Invalid e) {
      return Outcome.MALFORMED;
    }
    if (!HEADER_MEMBERS.containsAll(header.keySet())
        || !isNonEmptyString(header.get("alg"))
        || !isNonEmptyString(header.get("kid"))
        || (header.containsKey("typ") && !"JWT".equals(header.get("typ")))) {
      return Outcome.MALFORMED;
    }
    byte[] key = keys.get((String) header.get("kid"));
    if (key == null) {
      return Outcome.UNKNOWN_KEY;
    }
    if (!"EdDSA".equals(header.get("alg"))
        || !verifies(
            key, signature, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII))) {
      return Outcome.BAD_SIGNATURE;
    }
    Map<?, ?> claims;
    try {
      if (!(StrictJson.parse(payloadBytes) instanceof Map<?, ?> object)) {
        return Outcome.MALFORMED;
      }
      claims = object;
    } catch (StrictJson.Invalid e) {
      return Outcome.MALFORMED;
    }
    Long exp = numericDate(claims.get("exp"));
    Long nbf = numericDate(claims.get("nbf"));
    Long iat = numericDate(claims.get("iat"));
    Object aud = claims.containsKey("aud") ? claims.get("aud") : List.of();
    boolean audOk =
        aud instanceof String
            || (aud instanceof List<?> list && list.stream().allMatch(a -> a instanceof String));
    Object status = claims.get("status");
    Object statusList = status instanceof Map<?, ?> s ? s.get("status_list") : null;
    if (!isNonEmptyString(claims.get("iss"))
        || !isNonEmptyString(claims.get("sub"))
        || !isNonEmptyString(claims.get("jti"))
        || exp == null
        || nbf == null
        || iat == null
        || !audOk
        || (claims.containsKey("scope") && !(claims.get("scope") instanceof String))
        || (status != null && !(status instanceof Map))
        || (statusList != null && !statusListReference(statusList))) {
      return Outcome.MALFORMED;
    }
    if (!issuer.equals(claims.get("iss"))) {
      return Outcome.WRONG_ISSUER;
    }
    if (audience != null
        && !(aud instanceof String one ? List.of(one) : (List<?>) aud).contains(audience)) {
      return Outcome.WRONG_AUDIENCE;
    }
    if (BigInteger.valueOf(nowMillis)
            .compareTo(
                BigInteger.valueOf(exp)
                    .multiply(BigInteger.valueOf(1000))
                    .add(BigInteger.valueOf(leewayMillis)))
        >= 0) {
      return Outcome.EXPIRED;
    }
    if (BigInteger.valueOf(nowMillis)
            .compareTo(
                BigInteger.valueOf(nbf)
                    .multiply(BigInteger.valueOf(1000))
                    .subtract(BigInteger.valueOf(leewayMillis)))
        < 0) {
      return Outcome.NOT_YET_VALID;
    }
    if (statusList == null) {
      return Outcome.STATUS_UNKNOWN;
    }
    Map<?, ?> reference = (Map<?, ?>) statusList;
    BigInteger idx = ((StrictJson.Number) reference.get("idx")).bigInteger();
    int value = status(idx, (String) reference.get("uri"));
    if (value == -2) {
      return Outcome.STATUS_LIST_MISSING;
    }
    if (value < 0) {
      return Outcome.STATUS_UNKNOWN;
    }
    return value == 0 ? Outcome.VALID : Outcome.REVOKED;
  }

  /** The status of {@code idx} in list {@code uri}, or -1 when it is out of range. */
  int status(BigInteger idx, String uri) {
    if (idx.signum() < 0 || idx.compareTo(BigInteger.valueOf(SHARD_SIZE * SHARDS)) >= 0) {
      return -1;
    }
    long i = idx.longValueExact();
    int k = (int) (i / SHARD_SIZE);
    Shard shard = shards[k];
    if (shard == null) {
      // No file for the shard of idx: TRUST-FORMAT.md's STATUS_LIST_MISSING.
      return -2;
    }
    if (!shard.uri().equals(uri)) {
      return -1;
    }
    long end = Math.min(shard.bytes().length * 8L / shard.bits(), (k + 1) * SHARD_SIZE);
    if (i >= end) {
      return -1;
    }
    long bit = i * shard.bits();
    return ((shard.bytes()[(int) (bit / 8)] & 0xFF) >> (int) (bit % 8)) & ((1 << shard.bits()) - 1);
  }

  private static boolean statusListReference(Object value) {
    return value instanceof Map<?, ?> reference
        && reference.keySet().equals(Set.of("idx", "uri"))
        && reference.get("idx") instanceof StrictJson.Number idx
        && idx.integer()
        && idx.bigInteger().signum() >= 0
        && idx.bigInteger().bitLength() < 64
        && isNonEmptyString(reference.get("uri"));
  }

  private static Long numericDate(Object value) {
    if (value instanceof StrictJson.Number number && number.integer()) {
      BigInteger seconds = number.bigInteger();
      if (seconds.signum() >= 0 && seconds.compareTo(BigInteger.valueOf(MAX_NUMERIC_DATE)) <= 0) {
        return seconds.longValueExact();
      }
    }
    return null;
  }

  private static boolean isNonEmptyString(Object value) {
    return value instanceof String s && !s.isEmpty();
  }

  private static String nonEmptyString(Object value) throws Refused {
    if (!isNonEmptyString(value)) {
      throw new Refused("not a non-empty string");
    }
    return (String) value;
  }

  private static void requireEquals(Map<?, ?> object, String member, String expected)
      throws Refused {
    if (!expected.equals(object.get(member))) {
      throw new Refused(member + " is not " + expected);
    }
  }

  /** Canonical base64url without padding, or null. */
  static byte[] base64url(String text) {
    if (text.isEmpty() || !text.chars().allMatch(StrictTrustChecker::isBase64UrlChar)) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(text)
        ? bytes
        : null;
  }

  private static boolean isBase64UrlChar(int c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_';
  }

  private static byte[] zlib(byte[] compressed) throws Refused {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(compressed);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[65536];
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new Refused("lst is not one complete zlib stream");
        }
        out.write(buffer, 0, n);
        if (out.size() > MAX_LIST_BYTES) {
          throw new Refused("lst inflates beyond any ConfigMap");
        }
      }
      if (inflater.getRemaining() != 0) {
        throw new Refused("bytes after the zlib stream");
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new Refused("lst is not zlib");
    } finally {
      inflater.end();
    }
  }

  private static String thumbprint(String x) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  ("{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + x + "\"}")
                      .getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Raw RFC 8032 verification with the public key bytes as published (Bouncy Castle's primitive;
   * the JDK's own Ed25519 is about twenty times slower, too slow for a fuzz test in CI).
   */
  private static boolean verifies(byte[] publicKey, byte[] signature, byte[] message) {
    return signature.length == Ed25519.SIGNATURE_SIZE
        && Ed25519.verify(signature, 0, publicKey, 0, message, 0, message.length);
  }
}
