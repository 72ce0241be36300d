package dev.apitoken.format.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TestSigner;
import dev.apitoken.format.TrustedKeys;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the operator signs as a Status List Token is what verifiers read. */
class StatusListTokenWriterTest {

  @Test
  void aWrittenTokenParsesWithItsKeyAndReadsUnverified() {
    StatusList list = new StatusList(1, 64);
    list.set(9, StatusList.INVALID);
    String lst = list.encodeLst();
    TestSigner signer = new TestSigner(11);
    String compact =
        signer.sign(
            StatusListToken.writeHeader(signer.kid()),
            StatusListToken.writePayload("https://issuer/statuslist", 100, 3700, 30, 1, lst));

    StatusListToken parsed =
        StatusListToken.parse(compact, TrustedKeys.of(Map.of(signer.kid(), signer.trustedKey())));
    StatusListToken unverified = StatusListToken.readUnverified(compact);

    for (StatusListToken token : new StatusListToken[] {parsed, unverified}) {
      assertThat(token.kid()).isEqualTo(signer.kid());
      assertThat(token.subject()).isEqualTo("https://issuer/statuslist");
      assertThat(token.issuedAt()).isEqualTo(100);
      assertThat(token.expiresAt()).isEqualTo(3700);
      assertThat(token.ttl()).isEqualTo(30);
      assertThat(token.statusList().get(9)).isEqualTo(StatusList.INVALID);
      assertThat(token.statusList().get(8)).isEqualTo(StatusList.VALID);
    }
  }

  @Test
  void theSignedPrivateClaimsRoundTripAndAreAbsentFromOldLists() {
    TestSigner signer = new TestSigner(13);
    String lst = new StatusList(1, 8).encodeLst();
    StatusListToken.Signed claims =
        new StatusListToken.Signed(42, 65536, Map.of("kid-b", 200L, "kid-a", 100L));
    byte[] payload = StatusListToken.writePayload("u", 1, 2, 0, 1, lst, claims);
    String compact = signer.sign(StatusListToken.writeHeader(signer.kid()), payload);

    assertThat(new String(payload, StandardCharsets.UTF_8))
        .endsWith(
            ",\"ver\":42,\"idx_reserved\":65536,\"revoked_kids\":{\"kid-a\":100,\"kid-b\":200}}");
    StatusListToken read =
        StatusListToken.parse(compact, TrustedKeys.of(Map.of(signer.kid(), signer.trustedKey())));
    assertThat(read.version()).isEqualTo(42);
    assertThat(read.signed()).isEqualTo(claims);
    StatusListToken old =
        StatusListToken.readUnverified(
            signer.sign(
                StatusListToken.writeHeader(signer.kid()),
                StatusListToken.writePayload("u", 1, 2, 0, 1, lst)));
    assertThat(old.signed()).isEqualTo(StatusListToken.Signed.NONE);
  }

  @Test
  void aNegativeVersionOrAnUnreadableRevokedKidIsMalformed() {
    TestSigner signer = new TestSigner(14);
    for (String claims :
        new String[] {
          "\"ver\":-1", "\"ver\":\"1\"", "\"revoked_kids\":[]", "\"revoked_kids\":{\"k\":\"x\"}"
        }) {
      String payload =
          "{\"sub\":\"u\",\"iat\":1,\"exp\":2,\"status_list\":{\"bits\":1,\"lst\":\"eNoDAAAAAAE\"},"
              + claims
              + "}";
      String compact =
          signer.sign(
              StatusListToken.writeHeader(signer.kid()), payload.getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> StatusListToken.readUnverified(compact))
          .as(claims)
          .isInstanceOf(StatusListTokenException.class);
    }
  }

  @Test
  void writesTheDraftsHeader() {
    assertThat(new String(StatusListToken.writeHeader("k1"), StandardCharsets.UTF_8))
        .isEqualTo("{\"alg\":\"EdDSA\",\"kid\":\"k1\",\"typ\":\"statuslist+jwt\"}");
  }

  @Test
  void readingUnverifiedStillAppliesTheRules() {
    TestSigner signer = new TestSigner(12);
    String wrongType =
        signer.sign(
            "{\"alg\":\"EdDSA\",\"kid\":\"k\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8),
            StatusListToken.writePayload("u", 1, 2, 0, 1, "eNoDAAAAAAE"));

    assertThatThrownBy(() -> StatusListToken.readUnverified(wrongType))
        .isInstanceOf(StatusListTokenException.class);
    assertThatThrownBy(() -> StatusListToken.readUnverified("a.b"))
        .isInstanceOf(StatusListTokenException.class);
    assertThatThrownBy(() -> StatusListToken.readUnverified(null))
        .isInstanceOf(StatusListTokenException.class);
  }
}
