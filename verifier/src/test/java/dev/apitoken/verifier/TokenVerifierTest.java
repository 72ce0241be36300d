package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.AUDIENCE;
import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.STATUS_URI;
import static dev.apitoken.verifier.TokenFactory.b64;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TokenVerifierTest {
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TestKey OTHER_KEY = TestKey.fromSeed(2);
  static final long REVOKED_IDX = 7;
  static final TokenFactory TOKENS = new TokenFactory(KEY);

  private final List<Verdict> heard = new ArrayList<>();

  private TokenVerifier.Builder builder() {
    return TokenVerifier.builder()
        .trust(TestKey.jwks(KEY), TokenFactory.statusListJson(REVOKED_IDX))
        .expectedIssuer(ISSUER)
        .expectedAudience(AUDIENCE)
        .leeway(Duration.ofSeconds(30))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .listener(heard::add);
  }

  private Verdict verify(String token) {
    return builder().build().verify(token);
  }

  private static Rejection reason(Verdict verdict) {
    return verdict.rejection().orElse(null);
  }

  @Test
  void acceptsAValidTokenWithAllItsClaims() {
    Verdict verdict = verify(TOKENS.token(claims(3)));

    assertThat(verdict.isAccepted()).isTrue();
    TokenClaims claims = ((Verdict.Accepted) verdict).claims();
    assertThat(claims)
        .isEqualTo(
            new TokenClaims(
                ISSUER,
                "system:serviceaccount:shop:checkout",
                List.of(AUDIENCE, "billing"),
                List.of("orders:read", "orders:write"),
                NOW.minusSeconds(60),
                NOW.minusSeconds(60),
                NOW.plusSeconds(3600),
                "AAECAwQFBgcICQoLDA0ODw",
                3,
                STATUS_URI));
    assertThat(verdict.kid()).isEqualTo(KEY.kid());
    assertThat(verdict.jti()).isEqualTo("AAECAwQFBgcICQoLDA0ODw");
    assertThat(verdict.subject()).isEqualTo("system:serviceaccount:shop:checkout");
    assertThat(claims.hasScope("orders:write")).isTrue();
  }

  @Test
  void acceptsOptionalClaimsAbsentAndASingleAudienceString() {
    TokenVerifier noAudience = builder().expectedAudience(null).build();

    assertThat(noAudience.verify(TOKENS.token(claims(3).remove("aud").remove("scope"))))
        .isInstanceOfSatisfying(
            Verdict.Accepted.class,
            accepted -> {
              assertThat(accepted.claims().audiences()).isEmpty();
              assertThat(accepted.claims().scopes()).isEmpty();
            });
    assertThat(verify(TOKENS.token(claims(3).set("aud", AUDIENCE))).isAccepted()).isTrue();
  }

  @Test
  void acceptsAnyHeaderMemberOrderAndUnknownPayloadClaims() {
    String header = "{\"kid\":\"" + KEY.kid() + "\",\"typ\":\"JWT\",\"alg\":\"EdDSA\"}";
    assertThat(verify(TOKENS.token(header, claims(3).toJson())).isAccepted()).isTrue();
    String noTyp = "{\"alg\":\"EdDSA\",\"kid\":\"" + KEY.kid() + "\"}";
    assertThat(verify(TOKENS.token(noTyp, claims(3).toJson())).isAccepted()).isTrue();
    assertThat(verify(TOKENS.token(claims(3).set("cnf", Map.of("x", List.of(1, 2))))).isAccepted())
        .isTrue();
  }

  static Stream<Arguments> claimCases() {
    long now = NOW.getEpochSecond();
    return Stream.of(
        // time, with 30 s leeway
        claimCase("expired beyond the leeway", c -> c.set("exp", now - 31), Rejection.EXPIRED),
        claimCase(
            "expired exactly at exp + leeway", c -> c.set("exp", now - 30), Rejection.EXPIRED),
        claimCase("expired within the leeway", c -> c.set("exp", now - 29), null),
        claimCase("not yet valid", c -> c.set("nbf", now + 31), Rejection.NOT_YET_VALID),
        claimCase("not yet valid within the leeway", c -> c.set("nbf", now + 30), null),
        // issuer and audience
        claimCase(
            "other issuer", c -> c.set("iss", "https://evil.example"), Rejection.WRONG_ISSUER),
        claimCase(
            "issuer differs by case",
            c -> c.set("iss", ISSUER.toUpperCase()),
            Rejection.WRONG_ISSUER),
        claimCase(
            "other audience", c -> c.set("aud", List.of("billing")), Rejection.WRONG_AUDIENCE),
        claimCase("no audience", c -> c.remove("aud"), Rejection.WRONG_AUDIENCE),
        claimCase("empty audience", c -> c.set("aud", List.of()), Rejection.WRONG_AUDIENCE),
        // status
        claimCase(
            "revoked", c -> c.set("status", status(REVOKED_IDX, STATUS_URI)), Rejection.REVOKED),
        claimCase("no status claim", c -> c.remove("status"), Rejection.STATUS_UNKNOWN),
        claimCase(
            "status without status_list", c -> c.set("status", Map.of()), Rejection.STATUS_UNKNOWN),
        claimCase(
            "other status list uri",
            c -> c.set("status", status(3, STATUS_URI + "x")),
            Rejection.STATUS_UNKNOWN),
        claimCase(
            "index at the list size",
            c -> c.set("status", status(1024, STATUS_URI)),
            Rejection.STATUS_UNKNOWN),
        claimCase(
            "index far out",
            c -> c.set("status", status(Long.MAX_VALUE, STATUS_URI)),
            Rejection.STATUS_UNKNOWN),
        claimCase("last index", c -> c.set("status", status(1023, STATUS_URI)), null),
        // malformed claims
        claimCase(
            "exp as string", c -> c.set("exp", String.valueOf(now + 60)), Rejection.MALFORMED),
        claimCase("exp as decimal", c -> c.set("exp", now + 60.5), Rejection.MALFORMED),
        claimCase("exp negative", c -> c.set("exp", -1), Rejection.MALFORMED),
        claimCase(
            "exp beyond long", c -> c.set("exp", BigInteger.TWO.pow(70)), Rejection.MALFORMED),
        claimCase("exp beyond year 9999", c -> c.set("exp", 253_402_300_800L), Rejection.MALFORMED),
        claimCase("exp null", c -> c.set("exp", null), Rejection.MALFORMED),
        claimCase("exp missing", c -> c.remove("exp"), Rejection.MALFORMED),
        claimCase("iat missing", c -> c.remove("iat"), Rejection.MALFORMED),
        claimCase("nbf missing", c -> c.remove("nbf"), Rejection.MALFORMED),
        claimCase("nbf as boolean", c -> c.set("nbf", true), Rejection.MALFORMED),
        claimCase("aud as number", c -> c.set("aud", 42), Rejection.MALFORMED),
        claimCase(
            "aud with a number", c -> c.set("aud", List.of(AUDIENCE, 42)), Rejection.MALFORMED),
        claimCase("aud as object", c -> c.set("aud", Map.of("a", AUDIENCE)), Rejection.MALFORMED),
        claimCase("iss as number", c -> c.set("iss", 1), Rejection.MALFORMED),
        claimCase("iss missing", c -> c.remove("iss"), Rejection.MALFORMED),
        claimCase("sub missing", c -> c.remove("sub"), Rejection.MALFORMED),
        claimCase("sub empty", c -> c.set("sub", ""), Rejection.MALFORMED),
        claimCase("sub as array", c -> c.set("sub", List.of("a")), Rejection.MALFORMED),
        claimCase("jti missing", c -> c.remove("jti"), Rejection.MALFORMED),
        claimCase(
            "scope as array", c -> c.set("scope", List.of("orders:read")), Rejection.MALFORMED),
        claimCase("status as string", c -> c.set("status", "valid"), Rejection.MALFORMED),
        claimCase(
            "status_list as array",
            c -> c.set("status", Map.of("status_list", List.of())),
            Rejection.MALFORMED),
        claimCase(
            "idx as string",
            c -> c.set("status", Map.of("status_list", Map.of("idx", "3", "uri", STATUS_URI))),
            Rejection.MALFORMED),
        claimCase(
            "idx negative", c -> c.set("status", status(-1, STATUS_URI)), Rejection.MALFORMED),
        claimCase(
            "idx missing",
            c -> c.set("status", Map.of("status_list", Map.of("uri", STATUS_URI))),
            Rejection.MALFORMED),
        claimCase(
            "status_list with an extra member",
            c ->
                c.set(
                    "status",
                    Map.of("status_list", Map.of("idx", 3, "uri", STATUS_URI, "bits", 1))),
            Rejection.MALFORMED));
  }

  private static Arguments claimCase(
      String name, UnaryOperator<TokenFactory.Claims> change, Rejection expected) {
    return Arguments.of(name, change, expected);
  }

  private static Map<String, Object> status(long idx, String uri) {
    return Map.of("status_list", TokenFactory.statusList(idx, uri));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("claimCases")
  void checksClaims(String name, UnaryOperator<TokenFactory.Claims> change, Rejection expected) {
    Verdict verdict = verify(TOKENS.token(change.apply(claims(3))));

    assertThat(reason(verdict)).isEqualTo(expected);
    assertThat(verdict.isAccepted()).isEqualTo(expected == null);
  }

  @Test
  void rejectsDuplicateMembers() {
    String payload = claims(3).toJson();
    String duplicateIss = "{\"iss\":\"https://evil.example\"," + payload.substring(1);
    String duplicateInStatus = payload.replace("\"idx\":3", "\"idx\":3,\"idx\":" + REVOKED_IDX);
    String header = TOKENS.headerJson();
    String duplicateKid = header.replace("}", ",\"kid\":\"" + KEY.kid() + "\"}");
    String duplicateAlg = header.replace("{", "{\"alg\":\"none\",");

    assertThat(reason(verify(TOKENS.token(header, duplicateIss)))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(TOKENS.token(header, duplicateInStatus))))
        .isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(TOKENS.token(duplicateKid, payload)))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(TOKENS.token(duplicateAlg, payload)))).isEqualTo(Rejection.MALFORMED);
  }

  @Test
  void rejectsPayloadsThatAreNotOneJsonObject() {
    String header = TOKENS.headerJson();
    for (String payload :
        List.of("[]", "\"x\"", "null", "{", claims(3).toJson() + "{}", claims(3).toJson() + "x")) {
      assertThat(reason(verify(TOKENS.token(header, payload))))
          .as(payload)
          .isEqualTo(Rejection.MALFORMED);
    }
  }

  static Stream<Arguments> headerCases() {
    String kid = KEY.kid();
    return Stream.of(
        Arguments.of(
            "alg none",
            "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}",
            Rejection.BAD_SIGNATURE),
        Arguments.of(
            "alg HS256",
            "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}",
            Rejection.BAD_SIGNATURE),
        Arguments.of(
            "alg Ed25519",
            "{\"alg\":\"Ed25519\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}",
            Rejection.BAD_SIGNATURE),
        Arguments.of(
            "alg in lower case",
            "{\"alg\":\"eddsa\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}",
            Rejection.BAD_SIGNATURE),
        Arguments.of(
            "unknown kid",
            "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" + OTHER_KEY.kid() + "\"}",
            Rejection.UNKNOWN_KEY),
        Arguments.of("no kid", "{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}", Rejection.MALFORMED),
        Arguments.of("no alg", "{\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}", Rejection.MALFORMED),
        Arguments.of(
            "kid as number", "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":1}", Rejection.MALFORMED),
        Arguments.of(
            "alg as array",
            "{\"alg\":[\"EdDSA\"],\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}",
            Rejection.MALFORMED),
        Arguments.of(
            "typ other than JWT",
            "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"" + kid + "\"}",
            Rejection.MALFORMED),
        Arguments.of(
            "crit",
            "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\",\"crit\":[\"exp\"]}",
            Rejection.MALFORMED),
        Arguments.of(
            "embedded jwk",
            "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\""
                + kid
                + "\",\"jwk\":"
                + OTHER_KEY.publicJwk()
                + "}",
            Rejection.MALFORMED),
        Arguments.of("not an object", "[\"EdDSA\"]", Rejection.MALFORMED));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("headerCases")
  void checksTheHeader(String name, String header, Rejection expected) {
    assertThat(reason(verify(TOKENS.token(header, claims(3).toJson())))).isEqualTo(expected);
  }

  @Test
  void rejectsAnHs256TokenKeyedWithThePublicKey() throws Exception {
    String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + KEY.kid() + "\"}";
    String signingInput = b64(header) + "." + b64(claims(3).toJson());
    for (byte[] secret : List.of(KEY.publicKey(), KEY.x().getBytes(StandardCharsets.US_ASCII))) {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      String token =
          signingInput
              + "."
              + TestKey.b64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));

      assertThat(reason(verify(token))).isEqualTo(Rejection.BAD_SIGNATURE);
    }
  }

  @Test
  void rejectsAlgNoneWithoutSignature() {
    String header = "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + KEY.kid() + "\"}";
    String unsigned = b64(header) + "." + b64(claims(3).toJson()) + ".";
    assertThat(reason(verify(unsigned))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(unsigned + "AA"))).isEqualTo(Rejection.BAD_SIGNATURE);
  }

  @Test
  void rejectsBadSignatures() {
    String token = TOKENS.token(claims(3));
    String[] parts = token.split("\\.");
    byte[] signature = Base64.getUrlDecoder().decode(parts[2]);

    byte[] flipped = signature.clone();
    flipped[10] ^= 1;
    String otherKeySameKid =
        new TokenFactory(OTHER_KEY).token(TOKENS.headerJson(), claims(3).toJson());
    String changedPayload =
        parts[0] + "." + b64(claims(3).set("sub", "admin").toJson()) + "." + parts[2];

    assertThat(reason(verify(parts[0] + "." + parts[1] + "." + TestKey.b64(flipped))))
        .isEqualTo(Rejection.BAD_SIGNATURE);
    assertThat(reason(verify(otherKeySameKid))).isEqualTo(Rejection.BAD_SIGNATURE);
    assertThat(reason(verify(changedPayload))).isEqualTo(Rejection.BAD_SIGNATURE);
    assertThat(reason(verify(parts[0] + "." + parts[1] + "." + TestKey.b64(new byte[63]))))
        .isEqualTo(Rejection.BAD_SIGNATURE);
    assertThat(reason(verify(parts[0] + "." + parts[1] + "." + TestKey.b64(new byte[65]))))
        .isEqualTo(Rejection.BAD_SIGNATURE);
    assertThat(reason(verify(parts[0] + "." + parts[1] + "." + TestKey.b64(new byte[64]))))
        .isEqualTo(Rejection.BAD_SIGNATURE);
    assertThat(reason(verify(parts[0] + "." + parts[1] + "." + TestKey.b64(malleated(signature)))))
        .isEqualTo(Rejection.BAD_SIGNATURE);
  }

  /** The same signature with S + L for S: valid under a lax verifier, refused by RFC 8032. */
  private static byte[] malleated(byte[] signature) {
    BigInteger order =
        BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    byte[] sLittleEndian = Arrays.copyOfRange(signature, 32, 64);
    byte[] sBigEndian = new byte[32];
    for (int i = 0; i < 32; i++) {
      sBigEndian[i] = sLittleEndian[31 - i];
    }
    byte[] bigger = new BigInteger(1, sBigEndian).add(order).toByteArray();
    byte[] out = signature.clone();
    Arrays.fill(out, 32, 64, (byte) 0);
    for (int i = 0; i < bigger.length && i < 32; i++) {
      out[32 + i] = bigger[bigger.length - 1 - i];
    }
    return out;
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "a",
        "a.b",
        "a..c",
        ".b.c",
        "a.b.",
        "..",
        "a.b.c.d",
        "e30.e30.e30",
        "not a token at all",
      })
  void rejectsStructurallyBrokenTokens(String token) {
    assertThat(reason(verify(token))).isEqualTo(Rejection.MALFORMED);
  }

  @Test
  void rejectsExtraDotsAndSpaces() {
    String token = TOKENS.token(claims(3));
    assertThat(reason(verify(token + "."))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify("." + token))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(token.replaceFirst("\\.", "..")))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(token + ".AAAA"))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(" " + token))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(token + "\n"))).isEqualTo(Rejection.MALFORMED);
    assertThat(reason(verify(token.substring(0, 20) + "é" + token.substring(21))))
        .isEqualTo(Rejection.MALFORMED);
  }

  @Test
  void rejectsPaddedBase64EvenWhenSignedThatWay() {
    String payload = claims(3).toJson();
    while (b64(payload).length() % 4 == 0) {
      payload = payload + " ";
    }
    String padded = Base64.getUrlEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    assertThat(padded).endsWith("=");
    String token = TOKENS.signEncoded(b64(TOKENS.headerJson()), padded);

    assertThat(reason(verify(token))).isEqualTo(Rejection.MALFORMED);
    String[] parts = TOKENS.token(claims(3)).split("\\.");
    assertThat(reason(verify(parts[0] + "." + parts[1] + "." + parts[2] + "==")))
        .isEqualTo(Rejection.MALFORMED);
  }

  @Test
  void rejectsTheStandardBase64AlphabetEvenWhenSignedThatWay() {
    String payload = claims(3).set("note", "???>>>").toJson();
    String standard =
        Base64.getEncoder()
            .withoutPadding()
            .encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    assertThat(standard).containsAnyOf("+", "/");

    assertThat(reason(verify(TOKENS.signEncoded(b64(TOKENS.headerJson()), standard))))
        .isEqualTo(Rejection.MALFORMED);
  }

  @Test
  void rejectsNonZeroTrailingBitsEvenWhenSignedThatWay() {
    String payload = claims(3).toJson();
    while (b64(payload).length() % 4 != 2) {
      payload = payload + " ";
    }
    String canonical = b64(payload);
    // The last character carries 2 bits of data; setting one of its 4 unused bits keeps the
    // decoded bytes the same for a lax decoder.
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char last = canonical.charAt(canonical.length() - 1);
    String sloppy =
        canonical.substring(0, canonical.length() - 1)
            + alphabet.charAt(alphabet.indexOf(last) + 1);
    assertThat(Base64.getUrlDecoder().decode(sloppy))
        .isEqualTo(payload.getBytes(StandardCharsets.UTF_8));

    assertThat(reason(verify(TOKENS.signEncoded(b64(TOKENS.headerJson()), sloppy))))
        .isEqualTo(Rejection.MALFORMED);
  }

  @Test
  void rejectsOversizedInputBeforeParsing() {
    String garbage = "x".repeat(TokenVerifier.DEFAULT_MAX_TOKEN_LENGTH + 1);
    String bigButValid = TOKENS.token(claims(3).set("padding", "p".repeat(9000)));

    assertThat(reason(verify(garbage))).isEqualTo(Rejection.TOO_LARGE);
    assertThat(reason(verify(bigButValid))).isEqualTo(Rejection.TOO_LARGE);
    assertThat(reason(verify("x".repeat(TokenVerifier.DEFAULT_MAX_TOKEN_LENGTH))))
        .isEqualTo(Rejection.MALFORMED);
    assertThat(reason(builder().maxTokenLength(100).build().verify(TOKENS.token(claims(3)))))
        .isEqualTo(Rejection.TOO_LARGE);
  }

  @Test
  void acceptsTokensOfEveryTrustedKey() {
    TokenVerifier verifier =
        builder()
            .trust(TestKey.jwks(KEY, OTHER_KEY), TokenFactory.statusListJson(REVOKED_IDX))
            .build();

    assertThat(verifier.verify(TOKENS.token(claims(3))).kid()).isEqualTo(KEY.kid());
    Verdict other = verifier.verify(new TokenFactory(OTHER_KEY).token(claims(3)));
    assertThat(other.isAccepted()).isTrue();
    assertThat(other.kid()).isEqualTo(OTHER_KEY.kid());
  }

  @Test
  void withoutAStatusListEveryTokenIsStatusListMissing() {
    TokenVerifier verifier = builder().trust(TestKey.jwks(KEY), null).build();

    assertThat(reason(verifier.verify(TOKENS.token(claims(3)))))
        .isEqualTo(Rejection.STATUS_LIST_MISSING);
  }

  @Test
  void aSuspendedOrOtherNonValidStatusIsRevoked() {
    StatusList list = new StatusList(2, 64);
    list.set(4, StatusList.SUSPENDED);
    list.set(5, 3);
    String statusList = StatusListDocument.of(list, STATUS_URI).toJson();
    TokenVerifier verifier = builder().trust(TestKey.jwks(KEY), statusList).build();

    assertThat(reason(verifier.verify(TOKENS.token(claims(4))))).isEqualTo(Rejection.REVOKED);
    assertThat(reason(verifier.verify(TOKENS.token(claims(5))))).isEqualTo(Rejection.REVOKED);
    assertThat(verifier.verify(TOKENS.token(claims(6))).isAccepted()).isTrue();
  }

  @Test
  void rejectionsCarryAuthenticatedClaimsOnly() {
    Verdict expired = verify(TOKENS.token(claims(3).set("exp", NOW.getEpochSecond() - 3600)));
    Verdict forged =
        verify(new TokenFactory(OTHER_KEY).token(TOKENS.headerJson(), claims(3).toJson()));
    Verdict unknownKey = verify(new TokenFactory(OTHER_KEY).token(claims(3)));

    assertThat(expired)
        .isEqualTo(
            new Verdict.Rejected(
                Rejection.EXPIRED,
                KEY.kid(),
                "AAECAwQFBgcICQoLDA0ODw",
                "system:serviceaccount:shop:checkout"));
    assertThat(forged)
        .isEqualTo(new Verdict.Rejected(Rejection.BAD_SIGNATURE, KEY.kid(), null, null));
    assertThat(unknownKey)
        .isEqualTo(new Verdict.Rejected(Rejection.UNKNOWN_KEY, OTHER_KEY.kid(), null, null));
  }

  @Test
  void theListenerHearsEveryVerdictButNeverTheToken() {
    String valid = TOKENS.token(claims(3));
    String revoked = TOKENS.token(claims(REVOKED_IDX));
    TokenVerifier verifier = builder().build();

    verifier.verify(valid);
    verifier.verify(revoked);
    verifier.verify("garbage");

    assertThat(heard).hasSize(3);
    assertThat(heard.get(0).isAccepted()).isTrue();
    assertThat(heard.get(1).rejection()).contains(Rejection.REVOKED);
    assertThat(heard.get(1).jti()).isEqualTo("AAECAwQFBgcICQoLDA0ODw");
    assertThat(heard.get(2).rejection()).contains(Rejection.MALFORMED);
    for (Verdict verdict : heard) {
      for (String part : (valid + "." + revoked).split("\\.")) {
        assertThat(verdict.toString()).doesNotContain(part);
      }
    }
  }

  @Test
  void aFailingListenerDoesNotChangeTheVerdict() {
    TokenVerifier verifier =
        builder()
            .listener(
                verdict -> {
                  throw new IllegalStateException("audit sink down");
                })
            .build();
    TokenVerifier erring =
        builder()
            .listener(
                verdict -> {
                  throw new AssertionError("listener bug");
                })
            .build();

    assertThat(verifier.verify(TOKENS.token(claims(3))).isAccepted()).isTrue();
    assertThat(verifier.verify(TOKENS.token(claims(REVOKED_IDX))).rejection())
        .contains(Rejection.REVOKED);
    assertThat(erring.verify(TOKENS.token(claims(3))).isAccepted()).isTrue();
  }

  @Test
  void usesTheInjectedClock() {
    String token = TOKENS.token(claims(3));
    Instant afterExpiry = NOW.plusSeconds(3600 + 30);

    TokenVerifier later = builder().clock(Clock.fixed(afterExpiry, ZoneOffset.UTC)).build();

    assertThat(reason(later.verify(token))).isEqualTo(Rejection.EXPIRED);
    assertThat(
            builder()
                .leeway(Duration.ofSeconds(31))
                .clock(Clock.fixed(afterExpiry, ZoneOffset.UTC))
                .build()
                .verify(token)
                .isAccepted())
        .isTrue();
  }

  @Test
  void builderRefusesIncompleteConfiguration() {
    String jwks = TestKey.jwks(KEY);
    assertThatThrownBy(() -> TokenVerifier.builder().trust(jwks, null).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("expectedIssuer");
    assertThatThrownBy(() -> TokenVerifier.builder().expectedIssuer(ISSUER).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                TokenVerifier.builder()
                    .trust(jwks, null)
                    .trustDirectory(Path.of("/nonexistent"))
                    .expectedIssuer(ISSUER)
                    .build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> TokenVerifier.builder().leeway(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> TokenVerifier.builder().trust("{\"keys\":5}", null).acceptAnyIssuer().build())
        .isInstanceOf(TrustLoadException.class)
        .hasMessageContaining("jwks.json");
    assertThatThrownBy(
            () -> TokenVerifier.builder().trust(jwks, "{\"bits\":1}").acceptAnyIssuer().build())
        .isInstanceOf(TrustLoadException.class)
        .hasMessageContaining("status-list.json");
  }

  @Test
  void acceptAnyIssuerSkipsOnlyTheIssuerCheck() {
    TokenVerifier verifier = builder().acceptAnyIssuer().expectedIssuer(ISSUER).build();
    TokenVerifier any =
        TokenVerifier.builder()
            .trust(TestKey.jwks(KEY), TokenFactory.statusListJson(REVOKED_IDX))
            .acceptAnyIssuer()
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .build();
    String otherIssuer = TOKENS.token(claims(3).set("iss", "https://other.example"));

    assertThat(reason(verifier.verify(otherIssuer))).isEqualTo(Rejection.WRONG_ISSUER);
    assertThat(any.verify(otherIssuer).isAccepted()).isTrue();
    assertThat(reason(any.verify(TOKENS.token(claims(REVOKED_IDX))))).isEqualTo(Rejection.REVOKED);
  }
}
