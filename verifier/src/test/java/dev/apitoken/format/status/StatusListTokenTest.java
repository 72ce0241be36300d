package dev.apitoken.format.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.status.StatusListTokenException.Problem;
import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parsing and validating the signed Status List Token, strictly, and interop with nimbus. */
class StatusListTokenTest {
  static final TestKey KEY = TestKey.fromSeed(21);
  static final TestKey STRANGER = TestKey.fromSeed(22);
  static final TrustedKeys KEYS = TrustedKeys.parse(TestKey.jwks(KEY));
  static final String SUB = "https://apitoken.example/status/default";
  static final long IAT = TokenFactory.NOW.getEpochSecond();

  static String payload(String statusListAndMore) {
    return "{\"sub\":\""
        + SUB
        + "\",\"iat\":"
        + IAT
        + ",\"exp\":"
        + (IAT + 3600)
        + statusListAndMore
        + "}";
  }

  static final String LIST = ",\"status_list\":{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ\"}";

  @Test
  void readsTheContractsToken() {
    String jwt = StatusListTokenWriter.sign(KEY, SUB, IAT, StatusListTokenWriter.list(7, 9));

    StatusListToken token = StatusListToken.parse(jwt, KEYS);

    assertThat(token.subject()).isEqualTo(SUB);
    assertThat(token.kid()).isEqualTo(KEY.kid());
    assertThat(token.issuedAt()).isEqualTo(IAT);
    assertThat(token.expiresAt()).isEqualTo(IAT + 3600);
    assertThat(token.ttl()).isEqualTo(30);
    StatusList list = token.statusList();
    assertThat(list.get(7)).isEqualTo(StatusList.INVALID);
    assertThat(list.get(9)).isEqualTo(StatusList.INVALID);
    assertThat(list.get(8)).isEqualTo(StatusList.VALID);
    assertThat(token.isStale(Instant.ofEpochSecond(IAT + 3599), -1)).isFalse();
    assertThat(token.isStale(Instant.ofEpochSecond(IAT + 3600), -1)).isTrue();
    assertThat(token.isStale(Instant.ofEpochSecond(IAT + 301), 300)).isTrue();
  }

  @Test
  void theDraftsExampleListHasTheDraftsBitOrder() {
    // draft-ietf-oauth-status-list, section 4.1: status[0]=1, [1]=0, [2]=0, [3]=1, [4]=1, [5]=1,
    // [6]=0, [7]=1, [8]=1, [9]=1, [10]=0, [11]=0, [12]=0, [13]=1, [14]=0, [15]=1, which is the
    // byte array [0xB9, 0xA3], compressed and encoded as "eNrbuRgAAhcBXQ".
    String jwt = StatusListTokenWriter.sign(KEY, StatusListTokenWriter.header(KEY), payload(LIST));

    StatusList list = StatusListToken.parse(jwt, KEYS).statusList();

    int[] expected = {1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1};
    for (int i = 0; i < expected.length; i++) {
      assertThat(list.get(i)).as("index %d", i).isEqualTo(expected[i]);
    }
    assertThat(StatusList.ofBytes(1, new byte[] {(byte) 0xB9, (byte) 0xA3}).encodeLst())
        .isEqualTo("eNrbuRgAAhcBXQ");
  }

  static Stream<Arguments> refused() {
    String header = StatusListTokenWriter.header(KEY);
    String good = StatusListTokenWriter.sign(KEY, header, payload(LIST));
    String[] parts = good.split("\\.");
    return Stream.of(
        Arguments.of(
            "tampered payload",
            parts[0]
                + "."
                + TokenFactory.b64(payload(",\"status_list\":{\"bits\":1,\"lst\":\"eJwDAAAAAAE\"}"))
                + "."
                + parts[2],
            Problem.BAD_SIGNATURE),
        Arguments.of(
            "signed by a stranger with our kid",
            withKid(STRANGER, KEY.kid(), payload(LIST)),
            Problem.BAD_SIGNATURE),
        Arguments.of(
            "unknown kid",
            StatusListTokenWriter.sign(
                STRANGER, StatusListTokenWriter.header(STRANGER), payload(LIST)),
            Problem.UNKNOWN_KEY),
        Arguments.of(
            "typ JWT",
            sign(
                "{\"alg\":\"EdDSA\",\"kid\":\"" + KEY.kid() + "\",\"typ\":\"JWT\"}", payload(LIST)),
            Problem.WRONG_TYPE),
        Arguments.of(
            "typ with the media type prefix",
            sign(
                "{\"alg\":\"EdDSA\",\"kid\":\""
                    + KEY.kid()
                    + "\",\"typ\":\"application/statuslist+jwt\"}",
                payload(LIST)),
            Problem.WRONG_TYPE),
        Arguments.of(
            "no typ",
            sign("{\"alg\":\"EdDSA\",\"kid\":\"" + KEY.kid() + "\"}", payload(LIST)),
            Problem.MALFORMED),
        Arguments.of(
            "alg HS256",
            sign(
                "{\"alg\":\"HS256\",\"kid\":\"" + KEY.kid() + "\",\"typ\":\"statuslist+jwt\"}",
                payload(LIST)),
            Problem.BAD_SIGNATURE),
        Arguments.of(
            "alg none",
            sign(
                "{\"alg\":\"none\",\"kid\":\"" + KEY.kid() + "\",\"typ\":\"statuslist+jwt\"}",
                payload(LIST)),
            Problem.BAD_SIGNATURE),
        Arguments.of(
            "a jku in the header",
            sign(
                "{\"alg\":\"EdDSA\",\"kid\":\""
                    + KEY.kid()
                    + "\",\"typ\":\"statuslist+jwt\",\"jku\":\"https://evil\"}",
                payload(LIST)),
            Problem.MALFORMED),
        Arguments.of(
            "duplicate kid",
            sign(
                "{\"alg\":\"EdDSA\",\"kid\":\""
                    + KEY.kid()
                    + "\",\"kid\":\"x\",\"typ\":\"statuslist+jwt\"}",
                payload(LIST)),
            Problem.MALFORMED),
        Arguments.of(
            "duplicate sub",
            sign(
                header,
                "{\"sub\":\"" + SUB + "\",\"sub\":\"https://x\",\"iat\":1,\"exp\":2" + LIST + "}"),
            Problem.MALFORMED),
        Arguments.of(
            "duplicate bits",
            sign(
                header,
                payload(",\"status_list\":{\"bits\":1,\"bits\":2,\"lst\":\"eNrbuRgAAhcBXQ\"}")),
            Problem.MALFORMED),
        Arguments.of(
            "unknown status_list member",
            sign(
                header,
                payload(",\"status_list\":{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ\",\"x\":1}")),
            Problem.MALFORMED),
        Arguments.of(
            "bits 3",
            sign(header, payload(",\"status_list\":{\"bits\":3,\"lst\":\"eNrbuRgAAhcBXQ\"}")),
            Problem.MALFORMED),
        Arguments.of("no status_list", sign(header, payload("")), Problem.MALFORMED),
        Arguments.of(
            "no exp",
            sign(header, "{\"sub\":\"" + SUB + "\",\"iat\":" + IAT + LIST + "}"),
            Problem.MALFORMED),
        Arguments.of(
            "exp before iat",
            sign(
                header,
                "{\"sub\":\"" + SUB + "\",\"iat\":" + IAT + ",\"exp\":" + (IAT - 1) + LIST + "}"),
            Problem.MALFORMED),
        Arguments.of(
            "iat as a string",
            sign(header, "{\"sub\":\"" + SUB + "\",\"iat\":\"1\",\"exp\":2" + LIST + "}"),
            Problem.MALFORMED),
        Arguments.of(
            "negative ttl", sign(header, payload(LIST + ",\"ttl\":-1")), Problem.MALFORMED),
        Arguments.of(
            "unpaired surrogate in an unknown claim",
            sign(header, payload(LIST + ",\"note\":\"\\ud800\"")),
            Problem.MALFORMED),
        Arguments.of("trailing content", sign(header, payload(LIST) + "{}"), Problem.MALFORMED),
        Arguments.of("padded signature", good + "=", Problem.MALFORMED),
        Arguments.of("four parts", good + ".AAAA", Problem.MALFORMED),
        Arguments.of("two parts", parts[0] + "." + parts[1], Problem.MALFORMED),
        Arguments.of(
            "BOM in the payload", signBytes(header, "\uFEFF" + payload(LIST)), Problem.MALFORMED),
        Arguments.of("too long", "a".repeat(StatusListToken.MAX_LENGTH + 1), Problem.MALFORMED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesWhatIsNotAContractsToken(String name, String jwt, Problem problem) {
    assertThatThrownBy(() -> StatusListToken.parse(jwt, KEYS))
        .isInstanceOfSatisfying(
            StatusListTokenException.class, e -> assertThat(e.problem()).isEqualTo(problem))
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .doesNotContain(
                        jwt.length() > 40 ? jwt.substring(jwt.length() - 40) : "\u0000"));
  }

  @Test
  void unknownClaimsAndTheDraftsOptionalMembersAreAccepted() {
    String jwt =
        sign(
            StatusListTokenWriter.header(KEY),
            payload(
                ",\"iss\":\"https://apitoken.example\",\"status_list\":{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ\",\"aggregation_uri\":\"https://apitoken.example/agg\"},\"x\":[{\"y\":null}]"));

    assertThat(StatusListToken.parse(jwt, KEYS).ttl()).isEqualTo(-1);
  }

  @Test
  void anLstThatIsNotZlibIsRefusedWhenDecoded() {
    String jwt =
        sign(
            StatusListTokenWriter.header(KEY),
            payload(",\"status_list\":{\"bits\":1,\"lst\":\"bm90IHpsaWI\"}"));

    StatusListToken token = StatusListToken.parse(jwt, KEYS);
    assertThatThrownBy(token::statusList).isInstanceOf(StatusListFormatException.class);
  }

  @Test
  void acceptsAStatusListTokenSignedByNimbus() throws Exception {
    OctetKeyPair jwk = KEY.toNimbus();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .keyID(KEY.kid())
                .type(new JOSEObjectType(StatusListToken.TYPE))
                .build(),
            new JWTClaimsSet.Builder()
                .subject(SUB)
                .issueTime(Date.from(Instant.ofEpochSecond(IAT)))
                .expirationTime(Date.from(Instant.ofEpochSecond(IAT + 3600)))
                .claim("ttl", 30)
                .claim(
                    "status_list",
                    Map.of("bits", 1, "lst", StatusListTokenWriter.list(5).encodeLst()))
                .build());
    jwt.sign(new Ed25519Signer(jwk));

    StatusListToken token = StatusListToken.parse(jwt.serialize(), KEYS);

    assertThat(token.subject()).isEqualTo(SUB);
    assertThat(token.statusList().get(5)).isEqualTo(StatusList.INVALID);
  }

  @Test
  void nimbusVerifiesOurStatusListTokenAgainstThePublishedJwks() throws Exception {
    String ours = StatusListTokenWriter.sign(KEY, SUB, IAT, StatusListTokenWriter.list(5));
    OctetKeyPair publicKey =
        (OctetKeyPair) JWKSet.parse(TestKey.jwks(KEY)).getKeyByKeyId(KEY.kid());

    SignedJWT parsed = SignedJWT.parse(ours);

    assertThat(parsed.verify(new Ed25519Verifier(publicKey))).isTrue();
    assertThat(parsed.getHeader().getType().getType()).isEqualTo("statuslist+jwt");
    assertThat(parsed.getJWTClaimsSet().getSubject()).isEqualTo(SUB);
  }

  private static String sign(String header, String payload) {
    return StatusListTokenWriter.sign(KEY, header, payload);
  }

  private static String withKid(TestKey signer, String kid, String payload) {
    return StatusListTokenWriter.sign(
        signer, "{\"alg\":\"EdDSA\",\"kid\":\"" + kid + "\",\"typ\":\"statuslist+jwt\"}", payload);
  }

  private static String signBytes(String header, String payload) {
    return StatusListTokenWriter.sign(KEY, header, payload);
  }
}
