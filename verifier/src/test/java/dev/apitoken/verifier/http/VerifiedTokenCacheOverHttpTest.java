package dev.apitoken.verifier.http;

import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.verifier.MutableClock;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.VerifiedTokenCache;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The verified-token cache of a verifier that follows a Status List provider over HTTP. */
class VerifiedTokenCacheOverHttpTest {
  static final TestKey KEY = TestKey.fromSeed(11);
  static final TestKey OTHER_KEY = TestKey.fromSeed(12);
  static final String LIST_PATH = "/status/default";

  private final MutableClock clock = new MutableClock(NOW);
  private FakeProvider provider;
  private TokenVerifier verifier;
  private String listUri;

  @BeforeEach
  void start() throws IOException, InterruptedException {
    provider = new FakeProvider();
    listUri = provider.uri(LIST_PATH);
    provider.publish(FakeProvider.JWKS_PATH, TestKey.jwks(KEY, OTHER_KEY));
    provider.publish(LIST_PATH, signedList(-60));
    verifier =
        TokenVerifier.builder()
            .trustUrl(provider.base())
            .statusListUri(URI.create(listUri))
            .expectedIssuer(ISSUER)
            .clock(clock)
            .refreshInterval(Duration.ofSeconds(1))
            .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
            .verifiedTokenCache(1000)
            .build();
    assertThat(verifier.awaitTrust(Duration.ofSeconds(5))).isTrue();
    assertThat(verifier.trustHealth().ready()).isTrue();
  }

  @AfterEach
  void stop() {
    verifier.close();
    provider.close();
  }

  private String signedList(long iatOffsetSeconds, long... revoked) {
    return StatusListTokenWriter.sign(
        KEY, listUri, NOW.getEpochSecond() + iatOffsetSeconds, StatusListTokenWriter.list(revoked));
  }

  private String token(TestKey key, long idx) {
    return new TokenFactory(key)
        .token(
            TokenFactory.claims(idx)
                .set("status", Map.of("status_list", TokenFactory.statusList(idx, listUri))));
  }

  private Optional<Rejection> verify(String token) {
    return verifier.verify(token).rejection();
  }

  @Test
  void aRevocationThatArrivesOverHttpRejectsTheVeryNextCallOfAWarmCache() {
    String token = token(KEY, 3);
    assertThat(verify(token)).isEmpty();
    assertThat(verify(token)).isEmpty();
    assertThat(verifier.cacheStatistics())
        .isEqualTo(new VerifiedTokenCache.Statistics(1, 1, 1, 1000));

    provider.publish(LIST_PATH, signedList(-59, 3));
    // Waits for the list without verifying, so the next call is the first to see it.
    Instant newIat = NOW.minusSeconds(59);
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> verifier.statusListIssuedAt(listUri).filter(newIat::equals).isPresent());

    assertThat(verify(token)).contains(Rejection.REVOKED);
    assertThat(verifier.cacheStatistics())
        .isEqualTo(new VerifiedTokenCache.Statistics(2, 1, 0, 1000));
  }

  @Test
  void aKeyDroppedFromTheProvidersJwksRejectsTheVeryNextCall() {
    String token = token(OTHER_KEY, 3);
    assertThat(verify(token)).isEmpty();
    assertThat(verify(token)).isEmpty();

    provider.publish(FakeProvider.JWKS_PATH, TestKey.jwks(KEY));
    // The JWKS is refetched every refreshInterval; wait for it without verifying.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> provider.count(FakeProvider.JWKS_PATH, 200) == 2);
    await()
        .atMost(Duration.ofSeconds(1))
        .until(() -> !verifier.trustHealth().summary().contains(OTHER_KEY.kid()));

    assertThat(verify(token)).contains(Rejection.UNKNOWN_KEY);
    assertThat(verify(token(KEY, 4))).isEmpty();
  }

  @Test
  void aStaleListRejectsACachedTokenAndAFreshOneAcceptsItAgain() {
    String token = token(KEY, 3);
    assertThat(verify(token)).isEmpty();
    assertThat(verify(token)).isEmpty();

    // The held list (iat NOW - 60) is valid for an hour.
    clock.set(NOW.plusSeconds(3600 - 60));
    assertThat(verify(token)).contains(Rejection.STATUS_STALE);

    provider.publish(LIST_PATH, signedList(3600 - 70));
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(verify(token)).isEmpty());
  }
}
