package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.RFC8037_D;
import static dev.apitoken.operator.token.Fixtures.RFC8037_KID;
import static dev.apitoken.operator.token.Fixtures.RFC8037_X;
import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.Base64Url;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KeyRingCodecTest {

  private static final Instant ROTATED_AT = T0.plusSeconds(10);

  /** The RFC 8037 key, retired 10 s after T0, and a generated key active since then. */
  private static final KeyRing RING =
      new KeyRing(
          List.of(
              Fixtures.rfc8037Key(T0).retire(ROTATED_AT),
              SigningKey.generate(ROTATED_AT, new SeededSecureRandom(7))));

  private static final SigningKey ACTIVE = RING.activeKey();
  private static final String VALID_JSON = KeyRingCodec.toJson(RING);

  @Test
  void writesTheContractFormat() {
    KeyRing ring = new KeyRing(List.of(Fixtures.rfc8037Key(T0)));

    assertThat(KeyRingCodec.toJson(ring))
        .isEqualTo(
            "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\""
                + RFC8037_KID
                + "\",\"x\":\""
                + RFC8037_X
                + "\",\"d\":\""
                + RFC8037_D
                + "\",\"created\":1735689600}]}");
  }

  @Test
  void writesRetiredKeysWithTheirRetirementInTheOrderHeld() {
    assertThat(VALID_JSON)
        .startsWith("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"" + RFC8037_KID)
        .contains("\"created\":1735689600,\"retired\":1735689610},{")
        .endsWith("\"created\":1735689610}]}");
  }

  @Test
  void roundTrips() {
    KeyRing read = KeyRingCodec.fromJson(VALID_JSON);

    assertThat(read).isEqualTo(RING);
    assertThat(read.activeKey()).isEqualTo(ACTIVE);
    assertThat(KeyRingCodec.toJson(read)).isEqualTo(VALID_JSON);
  }

  @Test
  void roundTripsAfterRotations() {
    SeededSecureRandom random = new SeededSecureRandom(3);
    Duration period = Duration.ofDays(30);
    KeyRing ring = KeyRing.create(T0, random);
    for (int i = 1; i <= 3; i++) {
      ring = ring.rotateIfDue(T0.plus(period.multipliedBy(i)), period, random);
    }

    assertThat(KeyRingCodec.fromJson(KeyRingCodec.toJson(ring))).isEqualTo(ring);
  }

  @Test
  void ignoresUnknownMembersAndANullRetirement() {
    String withExtras =
        replaceOnce(
            VALID_JSON,
            "\"created\":1735689610}",
            "\"created\":1735689610,\"retired\":null,\"use\":\"sig\"}");

    assertThat(KeyRingCodec.fromJson(withExtras)).isEqualTo(RING);
  }

  static Stream<Arguments> malformedKeyRings() {
    String otherX =
        Base64Url.encode(SigningKey.generate(T0, new SeededSecureRandom(99)).publicKey());
    String activeKid = ACTIVE.kid();
    return Stream.of(
        Arguments.of("not json", "not JSON at all", "the key ring is not valid JSON"),
        Arguments.of(
            "truncated", VALID_JSON.substring(0, VALID_JSON.length() - 3), "not valid JSON"),
        Arguments.of("trailing content", VALID_JSON + "{}", "not valid JSON"),
        Arguments.of(
            "duplicate member",
            replaceOnce(VALID_JSON, "\"kty\":\"OKP\"", "\"kty\":\"OKP\",\"kty\":\"OKP\""),
            "not valid JSON"),
        Arguments.of("array root", "[]", "not a JSON object with a \"keys\" array"),
        Arguments.of("keys not an array", "{\"keys\":{}}", "\"keys\" array"),
        Arguments.of("no keys", "{\"keys\":[]}", "the key ring has no keys"),
        Arguments.of("key not an object", "{\"keys\":[1]}", "keys[0] is not a JSON object"),
        Arguments.of(
            "wrong kty",
            replaceOnce(VALID_JSON, "\"kty\":\"OKP\"", "\"kty\":\"EC\""),
            "keys[0]: \"kty\" must be \"OKP\""),
        Arguments.of(
            "wrong crv",
            replaceOnce(VALID_JSON, "\"crv\":\"Ed25519\"", "\"crv\":\"X25519\""),
            "keys[0]: \"crv\" must be \"Ed25519\""),
        Arguments.of(
            "missing kid",
            replaceOnce(VALID_JSON, "\"kid\":\"" + RFC8037_KID + "\",", ""),
            "keys[0]: \"kid\" must be a non-empty string"),
        Arguments.of(
            "short x",
            replaceOnce(VALID_JSON, RFC8037_X, RFC8037_X.substring(0, 40)),
            "\"x\" must be 32 bytes of base64url, not 30 bytes"),
        Arguments.of(
            "d not base64url",
            replaceOnce(VALID_JSON, RFC8037_D, RFC8037_D.substring(0, 42) + "!"),
            "keys[0] (kid " + RFC8037_KID + "): \"d\" must be 32 bytes of base64url"),
        Arguments.of(
            "padded d",
            replaceOnce(VALID_JSON, RFC8037_D, RFC8037_D + "="),
            "\"d\" must be 32 bytes of base64url"),
        Arguments.of(
            "d as a number",
            replaceOnce(VALID_JSON, "\"" + RFC8037_D + "\"", "42"),
            "\"d\" must be 32 bytes of base64url"),
        Arguments.of(
            "x of another key",
            replaceOnce(VALID_JSON, RFC8037_X, otherX),
            "x is not the public key of d"),
        Arguments.of(
            "kid not the thumbprint",
            replaceOnce(VALID_JSON, RFC8037_KID, activeKid.substring(1) + "A"),
            "kid is not the RFC 7638 thumbprint of x, which is " + RFC8037_KID),
        Arguments.of(
            "missing created",
            replaceOnce(VALID_JSON, "\"created\":1735689600,", ""),
            "\"created\" must be an integer number of seconds since the epoch"),
        Arguments.of(
            "created as a string",
            replaceOnce(VALID_JSON, "\"created\":1735689600", "\"created\":\"1735689600\""),
            "\"created\" must be an integer"),
        Arguments.of(
            "fractional retired",
            replaceOnce(VALID_JSON, "\"retired\":1735689610", "\"retired\":1735689610.5"),
            "\"retired\" must be an integer"),
        Arguments.of(
            "no active key",
            replaceOnce(
                VALID_JSON,
                "\"created\":1735689610}",
                "\"created\":1735689610,\"retired\":1735689611}"),
            "one active key and at most one next key, this one has 0"),
        Arguments.of(
            "same key twice",
            "{\"keys\":["
                + VALID_JSON.substring(VALID_JSON.indexOf('[') + 1, VALID_JSON.indexOf('}') + 1)
                + ","
                + VALID_JSON.substring(VALID_JSON.indexOf('[') + 1),
            "holds key " + RFC8037_KID + " twice"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedKeyRings")
  void rejectsMalformedKeyRingsWithoutRevealingKeys(
      String name, String json, String expectedMessagePart) {
    assertThatThrownBy(() -> KeyRingCodec.fromJson(json))
        .isInstanceOf(InvalidKeyRingException.class)
        .hasMessageContaining(expectedMessagePart)
        .hasNoCause()
        .satisfies(
            thrown ->
                assertThat(thrown.getMessage())
                    .doesNotContain(RFC8037_D)
                    .doesNotContain(RFC8037_D.substring(0, 20))
                    .doesNotContain(ACTIVE.d())
                    .doesNotContain(ACTIVE.d().substring(0, 20)));
  }

  @Test
  void rejectsAMissingKeyRing() {
    assertThatThrownBy(() -> KeyRingCodec.fromJson(null))
        .isInstanceOf(InvalidKeyRingException.class)
        .hasMessage("the key ring is missing");
  }

  private static String replaceOnce(String text, String target, String replacement) {
    int at = text.indexOf(target);
    if (at < 0) {
      throw new IllegalArgumentException("fixture does not contain " + target);
    }
    return text.substring(0, at) + replacement + text.substring(at + target.length());
  }
}
