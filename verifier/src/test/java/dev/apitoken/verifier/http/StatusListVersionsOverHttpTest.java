package dev.apitoken.verifier.http;

import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.verifier.KubeletVolume;
import dev.apitoken.verifier.MutableClock;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.TokenVerifierAccess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lists from HTTP, and from HTTP and a mounted directory together: the highest {@code ver} is the
 * current list whatever the writers' clocks said, and a revocation from any accepted list, from
 * either source, is final, for cached verdicts too. Time is a hand-moved clock; the waits are for
 * the loopback provider's answers only.
 */
class StatusListVersionsOverHttpTest {
  static final TestKey KEY = TestKey.fromSeed(31);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final String LIST_PATH = "/status/default";
  static final long T = NOW.getEpochSecond();
  static final Duration PATIENCE = Duration.ofSeconds(5);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(NOW);
  private final List<TokenVerifier> verifiers = new ArrayList<>();
  private FakeProvider provider;
  private String listUri;

  @BeforeEach
  void start() throws IOException {
    provider = new FakeProvider();
    listUri = provider.uri(LIST_PATH);
    provider.publish(FakeProvider.JWKS_PATH, TestKey.jwks(KEY));
  }

  @AfterEach
  void stop() {
    verifiers.forEach(TokenVerifier::close);
    provider.close();
  }

  /**
   * The old leader, its clock 20 s fast (within the 30 s leeway): version 5, 1024 indices, nothing
   * revoked.
   */
  private String skewedOldLeadersList() {
    return list(5, 20, StatusListTokenWriter.listOf(1024));
  }

  /** The new leader after the fail-over: version 6, an older iat, 2048 indices, 7 revoked. */
  private String newLeadersList() {
    return list(6, -60, StatusListTokenWriter.listOf(2048, 7));
  }

  private String list(long version, long iatOffset, StatusList bits) {
    return StatusListTokenWriter.signVersion(KEY, listUri, version, T + iatOffset, bits);
  }

  private TokenVerifier.Builder builder() {
    return TokenVerifier.builder()
        .trustUrl(provider.base())
        .statusListUri(URI.create(listUri))
        .expectedIssuer(ISSUER)
        .clock(clock)
        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  private TokenVerifier follow(TokenVerifier.Builder builder) throws InterruptedException {
    TokenVerifier verifier = builder.build();
    verifiers.add(verifier);
    assertThat(verifier.awaitTrust(PATIENCE)).isTrue();
    return verifier;
  }

  private void mount(String statusListJwt) throws IOException {
    new KubeletVolume(dir)
        .publish(Map.of("jwks.json", TestKey.jwks(KEY), "status-list.jwt", statusListJwt));
  }

  private Optional<Rejection> verify(TokenVerifier verifier, long idx) {
    return verifier.verify(token(idx)).rejection();
  }

  private String token(long idx) {
    return TOKENS.token(
        TokenFactory.claims(idx)
            .set("status", Map.of("status_list", TokenFactory.statusList(idx, listUri))));
  }

  /** The new leader's list is current: 7 revoked, 1500 (beyond the old list) valid. */
  private void assertNewLeadersListIsCurrent(TokenVerifier verifier) {
    assertThat(verify(verifier, 7)).contains(Rejection.REVOKED);
    assertThat(verify(verifier, 1500)).isEmpty();
    assertThat(verifier.statusListIssuedAt(listUri)).contains(Instant.ofEpochSecond(T - 60));
  }

  @Test
  void overHttpAHigherVersionWinsOverANewerIatFromAFastClock() throws Exception {
    provider.publish(LIST_PATH, skewedOldLeadersList());
    TokenVerifier verifier = follow(builder());
    assertThat(verify(verifier, 3)).isEmpty();
    assertThat(verify(verifier, 1500)).contains(Rejection.STATUS_UNKNOWN);

    provider.publish(LIST_PATH, newLeadersList());

    await()
        .atMost(PATIENCE)
        .untilAsserted(() -> assertThat(verify(verifier, 7)).contains(Rejection.REVOKED));
    assertNewLeadersListIsCurrent(verifier);
  }

  @Test
  void aHigherVersionInTheDirectoryWinsOverANewerIatOverHttp() throws Exception {
    provider.publish(LIST_PATH, skewedOldLeadersList());
    mount(newLeadersList());

    TokenVerifier verifier = follow(builder().trustDirectory(dir).watch(false));

    assertThat(TokenVerifierAccess.documentsParsed(verifier)).isEqualTo(2); // JWKS and list
    assertNewLeadersListIsCurrent(verifier);
  }

  @Test
  void aHigherVersionOverHttpWinsOverANewerIatInTheDirectory() throws Exception {
    provider.publish(LIST_PATH, newLeadersList());
    mount(skewedOldLeadersList());

    TokenVerifier verifier = follow(builder().trustDirectory(dir).watch(false));

    assertThat(TokenVerifierAccess.documentsParsed(verifier)).isEqualTo(2);
    assertNewLeadersListIsCurrent(verifier);
  }

  @Test
  void aCachedAcceptedVerdictIsRevokedWhenALowerVersionOverHttpRevokesTheIndex() throws Exception {
    String current = list(6, -10, StatusListTokenWriter.listOf(1024));
    mount(current);
    provider.publish(LIST_PATH, current);
    TokenVerifier verifier =
        follow(builder().trustDirectory(dir).watch(false).verifiedTokenCache(16));
    String token = token(5);
    assertThat(verifier.verify(token).isAccepted()).isTrue();
    assertThat(verifier.verify(token).isAccepted()).isTrue();
    assertThat(verifier.cacheStatistics().hits()).isEqualTo(1);

    // A lagging replica's older version, genuine and signed, that has 5 revoked.
    provider.publish(LIST_PATH, list(5, -60, StatusListTokenWriter.listOf(1024, 5)));

    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> assertThat(verifier.verify(token).rejection()).contains(Rejection.REVOKED));
    assertThat(verifier.cacheStatistics().hits()).isGreaterThanOrEqualTo(2);
    assertThat(verifier.statusListIssuedAt(listUri)).contains(Instant.ofEpochSecond(T - 10));
    assertThat(verify(verifier, 6)).isEmpty();
  }

  @Test
  void aListIssuedFurtherAheadThanTheLeewayIsRefusedUntilTheClockCatchesUp() throws Exception {
    provider.publish(LIST_PATH, list(5, -60, StatusListTokenWriter.listOf(1024)));
    TokenVerifier verifier = follow(builder().leeway(Duration.ofSeconds(30)));
    long parsed = TokenVerifierAccess.documentsParsed(verifier);

    provider.publish(LIST_PATH, list(6, 120, StatusListTokenWriter.listOf(1024, 7)));

    // Refused and retried: parsed twice at least, never taken.
    await()
        .atMost(PATIENCE)
        .until(() -> TokenVerifierAccess.documentsParsed(verifier) >= parsed + 2);
    assertThat(verify(verifier, 7)).isEmpty();
    assertThat(verifier.statusListIssuedAt(listUri)).contains(Instant.ofEpochSecond(T - 60));

    clock.advance(Duration.ofSeconds(90)); // now 30 s behind the list's iat: within the leeway

    await()
        .atMost(PATIENCE)
        .untilAsserted(() -> assertThat(verify(verifier, 7)).contains(Rejection.REVOKED));
  }
}
