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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as the chart runs it by default: a mounted trust directory (the kubelet refreshes it
 * about a minute late) and {@code --trust-url} at the Status List provider, whose origin the
 * tokens' status list URI shares (the chart's default statusListUri, checked by the chart's tests).
 * A revocation the provider publishes is refused within a second, while the mount still holds the
 * list from before it.
 */
class ChartDefaultTrustTest {
  private static final long INDEX = 9;

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
  void aRevocationFromTheProviderIsRefusedWithinASecondWhileTheMountIsStale() throws Exception {
    try (FakeProvider provider = new FakeProvider()) {
      // The chart's default statusListUri: <status Service>/statuslist, the --trust-url origin.
      String listUri = provider.uri("/statuslist");
      long iat = TokenFactory.NOW.getEpochSecond() - 60;
      provider.publish(FakeProvider.JWKS_PATH, TestKey.jwks(GatewayFixture.KEY));
      provider.publish(
          "/statuslist",
          StatusListTokenWriter.sign(
              GatewayFixture.KEY, listUri, iat, StatusListTokenWriter.list()));
      fixture.publishTrust();
      fixture.start(fixture.config().trustUrl(provider.base()).cacheSize(100_000).build());
      String token =
          GatewayFixture.token(
              TokenFactory.claims(INDEX)
                  .set("status", Map.of("status_list", TokenFactory.statusList(INDEX, listUri))));
      await()
          .atMost(GatewayFixture.WITHIN_SECONDS)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> fixture.nginx("https://x.test/orders", token).statusCode() == 200);

      long published = System.nanoTime();
      provider.publish(
          "/statuslist",
          StatusListTokenWriter.sign(
              GatewayFixture.KEY, listUri, iat + 1, StatusListTokenWriter.list(INDEX)));
      await()
          .atMost(GatewayFixture.WITHIN_SECONDS)
          .pollInterval(Duration.ofMillis(10))
          .until(() -> fixture.nginx("https://x.test/orders", token).statusCode() == 401);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - published);
      System.out.println(
          "provider publishes the revocation -> gateway answers 401: " + millis + " ms");

      assertThat(millis).as("published to refused, ms").isLessThan(1000);
      assertThat(fixture.nginx("https://x.test/orders", token).body()).isEqualTo("token revoked");
    }
  }
}
