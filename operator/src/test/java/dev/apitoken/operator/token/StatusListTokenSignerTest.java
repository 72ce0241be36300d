package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.operator.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class StatusListTokenSignerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final MutableClock clock = new MutableClock(Fixtures.T0.plusMillis(700));
  private final StatusListTokenSigner signer =
      new StatusListTokenSigner(Duration.ofHours(1), Duration.ofSeconds(30), clock);
  private final SigningKey key = Fixtures.rfc8037Key(Fixtures.T0);

  private static String part(String compact, int index) {
    return new String(
        Base64.getUrlDecoder().decode(compact.split("\\.")[index]), StandardCharsets.UTF_8);
  }

  @Test
  void headerAndPayloadAreExactlyTheContract() throws Exception {
    String compact =
        signer
            .sign(
                "https://x.example/statuslist",
                1,
                "eNrbuRgAAhcBXQ",
                dev.apitoken.format.status.StatusListToken.Signed.NONE,
                key)
            .compact();

    assertThat(part(compact, 0))
        .isEqualTo(
            "{\"alg\":\"EdDSA\",\"kid\":\""
                + Fixtures.RFC8037_KID
                + "\",\"typ\":\"statuslist+jwt\"}");
    long iat = Fixtures.T0.getEpochSecond();
    assertThat(part(compact, 1))
        .isEqualTo(
            "{\"sub\":\"https://x.example/statuslist\",\"iat\":"
                + iat
                + ",\"exp\":"
                + (iat + 3600)
                + ",\"ttl\":30,\"status_list\":{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ\"},\"ver\":0}");
    JsonNode payload = JSON.readTree(part(compact, 1));
    assertThat(payload.get("exp").asLong() - payload.get("iat").asLong()).isEqualTo(3600);
    String signingInput = compact.substring(0, compact.lastIndexOf('.'));
    byte[] signature =
        Base64.getUrlDecoder().decode(compact.substring(compact.lastIndexOf('.') + 1));
    byte[] message = signingInput.getBytes(StandardCharsets.US_ASCII);
    assertThat(TrustedKey.ed25519(key.publicKey()).verify(signature, message, message.length))
        .isTrue();
  }

  @Test
  void dueForReSigningAfterAQuarterOfTheValidity() {
    var signed =
        signer.sign(
            "urn:x", 1, "eNoDAAAAAAE", dev.apitoken.format.status.StatusListToken.Signed.NONE, key);
    clock.advance(Duration.ofMinutes(14));
    assertThat(signer.due(signed.issuedAt())).isFalse();
    clock.advance(Duration.ofMinutes(1));
    assertThat(signer.due(signed.issuedAt())).isTrue();
  }

  @Test
  void adoptsOnlyItsOwnFreshTokenForTheSameList() {
    var signed =
        signer.sign(
            "urn:x", 1, "eNoDAAAAAAE", dev.apitoken.format.status.StatusListToken.Signed.NONE, key);
    clock.advance(Duration.ofMinutes(5));

    assertThat(
            signer.adopt(
                signed.compact(),
                "urn:x",
                1,
                "eNoDAAAAAAE",
                dev.apitoken.format.status.StatusListToken.Signed.NONE,
                key))
        .contains(signed);
    assertThat(
            signer.adopt(
                signed.compact(),
                "urn:y",
                1,
                "eNoDAAAAAAE",
                dev.apitoken.format.status.StatusListToken.Signed.NONE,
                key))
        .isEmpty();
    assertThat(
            signer.adopt(
                signed.compact(),
                "urn:x",
                1,
                "eNrbuRgAAhcBXQ",
                dev.apitoken.format.status.StatusListToken.Signed.NONE,
                key))
        .isEmpty();
    assertThat(
            new StatusListTokenSigner(Duration.ofHours(2), Duration.ofSeconds(30), clock)
                .adopt(
                    signed.compact(),
                    "urn:x",
                    1,
                    "eNoDAAAAAAE",
                    dev.apitoken.format.status.StatusListToken.Signed.NONE,
                    key))
        .as("signed with another validity")
        .isEmpty();
    clock.advance(Duration.ofMinutes(10));
    assertThat(
            signer.adopt(
                signed.compact(),
                "urn:x",
                1,
                "eNoDAAAAAAE",
                dev.apitoken.format.status.StatusListToken.Signed.NONE,
                key))
        .as("due")
        .isEmpty();
  }

  @Test
  void shardUrisAppendTheShardNumber() {
    assertThat(StatusListUris.ofIndex("https://x/sl", 0)).isEqualTo("https://x/sl");
    assertThat(StatusListUris.ofIndex("https://x/sl", (1L << 21) - 1)).isEqualTo("https://x/sl");
    assertThat(StatusListUris.ofIndex("https://x/sl", 1L << 21)).isEqualTo("https://x/sl/1");
    assertThat(StatusListUris.ofIndex("https://x/sl", 15L << 21)).isEqualTo("https://x/sl/15");
  }
}
