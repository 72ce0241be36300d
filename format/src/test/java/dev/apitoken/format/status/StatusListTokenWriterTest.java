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
