package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.http.FakeProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A revoked token is refused on the first request after the gateway's trust source changes, with
 * the verified-token cache warm: from a trust directory swap and from the Status List provider.
 */
class RevocationTest {
  static final long INDEX = 5;

  @TempDir Path dir;
  private GatewayFixture fixture;

  @BeforeEach
  void create() throws Exception {
    fixture = new GatewayFixture(dir);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void aTrustDirectorySwapRevokesOnTheFirstRequestAfterIt() throws Exception {
    fixture.publishTrust();
    fixture.start(fixture.config().cacheSize(1000).build());
    String token = GatewayFixture.token(INDEX);
    for (int i = 0; i < 3; i++) {
      assertThat(fixture.nginx("https://x.test/orders", token).statusCode()).isEqualTo(200);
    }
    assertThat(fixture.metrics()).contains("apitoken_gateway_cache_hits_total 2.0\n");

    fixture.publishTrust(INDEX);
    fixture.awaitLatestTrust();

    var refused = fixture.nginx("https://x.test/orders", token);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).isEqualTo("token revoked");
  }

  @Test
  void theProviderRevokesOnTheFirstRequestAfterItsListChanges() throws Exception {
    try (FakeProvider provider = new FakeProvider()) {
      String listPath = "/status/default";
      String listUri = provider.uri(listPath);
      long iat = TokenFactory.NOW.getEpochSecond() - 60;
      provider.publish(FakeProvider.JWKS_PATH, TestKey.jwks(GatewayFixture.KEY));
      provider.publish(
          listPath,
          StatusListTokenWriter.sign(
              GatewayFixture.KEY, listUri, iat, StatusListTokenWriter.list()));
      fixture.start(
          fixture.config().trustDirectory(null).trustUrl(provider.base()).cacheSize(1000).build());
      String token =
          GatewayFixture.token(
              TokenFactory.claims(INDEX)
                  .set("status", Map.of("status_list", TokenFactory.statusList(INDEX, listUri))));

      // The first token naming the list makes the gateway follow it: 503 until it is held.
      var first = fixture.nginx("https://x.test/orders", token);
      assertThat(first.statusCode()).as("first answer: %s", first.body()).isEqualTo(503);
      await()
          .atMost(GatewayFixture.WITHIN_SECONDS)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> fixture.nginx("https://x.test/orders", token).statusCode() == 200);
      assertThat(fixture.nginx("https://x.test/orders", token).statusCode()).isEqualTo(200);
      assertThat(fixture.metrics()).containsPattern("apitoken_gateway_cache_hits_total [1-9]");

      provider.publish(
          listPath,
          StatusListTokenWriter.sign(
              GatewayFixture.KEY, listUri, iat + 1, StatusListTokenWriter.list(INDEX)));
      String newIat = "iat " + java.time.Instant.ofEpochSecond(iat + 1);
      await()
          .atMost(GatewayFixture.WITHIN_SECONDS)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> fixture.management("/readyz").body().contains(newIat));

      var refused = fixture.nginx("https://x.test/orders", token);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.body()).isEqualTo("token revoked");
    }
  }
}
