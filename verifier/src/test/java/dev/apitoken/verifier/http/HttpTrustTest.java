package dev.apitoken.verifier.http;

import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apitoken.verifier.KubeletVolume;
import dev.apitoken.verifier.MutableClock;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.TokenVerifierAccess;
import dev.apitoken.verifier.Verdict;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A verifier following a Status List provider over HTTP (an in-test JDK HttpServer). */
class HttpTrustTest {
  static final TestKey KEY = TestKey.fromSeed(11);
  static final TestKey OTHER_KEY = TestKey.fromSeed(12);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final String LIST_PATH = "/status/default";
  static final Duration WITHIN_A_SECOND = Duration.ofSeconds(1);

  private final MutableClock clock = new MutableClock(NOW);
  private final List<Verdict> verdicts = new CopyOnWriteArrayList<>();
  private final List<TokenVerifier> verifiers = new ArrayList<>();
  private FakeProvider provider;
  private String listUri;

  @TempDir Path dir;

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

  private TokenVerifier.Builder builder() {
    return TokenVerifier.builder()
        .trustUrl(provider.base())
        .expectedIssuer(ISSUER)
        .clock(clock)
        .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
        .listener(verdicts::add);
  }

  private TokenVerifier follow(TokenVerifier.Builder builder) {
    TokenVerifier verifier = builder.build();
    verifiers.add(verifier);
    return verifier;
  }

  /** A verifier that follows the list from the start and has fetched it. */
  private TokenVerifier following() throws InterruptedException {
    TokenVerifier verifier = follow(builder().statusListUri(java.net.URI.create(listUri)));
    assertThat(verifier.awaitTrust(Duration.ofSeconds(5))).isTrue();
    assertThat(verifier.trustHealth().ready()).as("%s", verifier.trustHealth()).isTrue();
    return verifier;
  }

  private String signedList(long iatOffsetSeconds, long... revoked) {
    return StatusListTokenWriter.sign(
        KEY, listUri, NOW.getEpochSecond() + iatOffsetSeconds, StatusListTokenWriter.list(revoked));
  }

  private String token(long idx) {
    return TOKENS.token(
        TokenFactory.claims(idx)
            .set("status", Map.of("status_list", TokenFactory.statusList(idx, listUri))));
  }

  private Optional<Rejection> verify(TokenVerifier verifier, long idx) {
    return verifier.verify(token(idx)).rejection();
  }

  @Test
  void learnsTheListUriFromAVerifiedTokenOnTheSameOriginAndNeverBlocks() {
    provider.publish(LIST_PATH, signedList(-60, 7));
    TokenVerifier verifier = follow(builder());

    // Not followed yet: this verdict fails closed at once, and following starts.
    await().atMost(Duration.ofSeconds(5)).until(() -> verifier.trustHealth().problems().isEmpty());
    assertThat(verify(verifier, 3)).contains(Rejection.STATUS_LIST_MISSING);

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(verify(verifier, 3)).isEmpty());
    assertThat(verify(verifier, 7)).contains(Rejection.REVOKED);
    assertThat(verifier.trustHealth().ready()).isTrue();
  }

  @Test
  void aUriOnAnotherOriginIsNeverFetched() {
    provider.publish(LIST_PATH, signedList(-60));
    TokenVerifier verifier = follow(builder());
    await().atMost(Duration.ofSeconds(5)).until(() -> verifier.trustHealth().ready());
    String elsewhere = "https://elsewhere.example/status/default";
    String token =
        TOKENS.token(
            TokenFactory.claims(3)
                .set("status", Map.of("status_list", TokenFactory.statusList(3, elsewhere))));

    for (int i = 0; i < 3; i++) {
      assertThat(verifier.verify(token).rejection()).contains(Rejection.STATUS_LIST_MISSING);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> provider.count(FakeProvider.JWKS_PATH, 200) == 1);
    assertThat(provider.seen()).allMatch(seen -> seen.path().equals(FakeProvider.JWKS_PATH));
  }

  @Test
  void notModifiedAnswersAreNotParsedAgain() throws Exception {
    provider.publish(LIST_PATH, signedList(-60));
    TokenVerifier verifier =
        follow(
            builder().statusListUri(java.net.URI.create(listUri)).longPoll(Duration.ofSeconds(1)));
    assertThat(verifier.awaitTrust(Duration.ofSeconds(5))).isTrue();

    await().atMost(Duration.ofSeconds(8)).until(() -> provider.count(LIST_PATH, 304) >= 3);

    assertThat(provider.count(LIST_PATH, 200)).isEqualTo(1);
    assertThat(documentsParsed(verifier)).isEqualTo(2); // the JWKS and the list, once each
    assertThat(
            provider.seen().stream()
                .filter(seen -> seen.status() == 304 && seen.path().equals(LIST_PATH))
                .allMatch(seen -> "wait=1s".equals(seen.query())))
        .isTrue();
    assertThat(verify(verifier, 3)).isEmpty();
  }

  @Test
  void aLongPollWakesUpWithTheRevocationWithinASecond() throws Exception {
    provider.publish(LIST_PATH, signedList(-60));
    TokenVerifier verifier = following();
    assertThat(verify(verifier, 3)).isEmpty();
    await().atMost(Duration.ofSeconds(5)).until(() -> provider.waiting() == 1);

    long published = System.nanoTime();
    provider.publish(LIST_PATH, signedList(-59, 3));

    await()
        .atMost(WITHIN_A_SECOND)
        .untilAsserted(() -> assertThat(verify(verifier, 3)).contains(Rejection.REVOKED));
    long millis = (System.nanoTime() - published) / 1_000_000;
    assertThat(millis).isLessThan(1000);
    // No 304 in between: the revocation came as the answer to the held request.
    assertThat(provider.count(LIST_PATH, 304)).isZero();
  }

  @Test
  void everyChangeOfTheEtagIsFetchedAndTakenInOrder() throws Exception {
    provider.publish(LIST_PATH, signedList(-60));
    TokenVerifier verifier = following();

    for (int revoked = 1; revoked <= 4; revoked++) {
      long[] bits = new long[revoked];
      for (int i = 0; i < revoked; i++) {
        bits[i] = 100 + i;
      }
      provider.publish(LIST_PATH, signedList(-60 + revoked, bits));
      long last = 100 + revoked - 1;
      await()
          .atMost(WITHIN_A_SECOND)
          .untilAsserted(() -> assertThat(verify(verifier, last)).contains(Rejection.REVOKED));
    }
    assertThat(provider.count(LIST_PATH, 200)).isEqualTo(5);
    assertThat(verify(verifier, 99)).isEmpty();
  }

  @Test
  void aLowerVersionFromALaggingReplicaIsNotTaken() throws Exception {
    provider.publish(LIST_PATH, versionedList(7, -10, 3));
    TokenVerifier verifier = following();
    assertThat(verify(verifier, 3)).contains(Rejection.REVOKED);

    provider.publish(LIST_PATH, versionedList(6, -20));

    await().atMost(Duration.ofSeconds(5)).until(() -> provider.count(LIST_PATH, 200) == 2);
    assertThat(verify(verifier, 3)).contains(Rejection.REVOKED);
    assertThat(verifier.statusListVersion(listUri)).hasValue(7);
  }

  @Test
  void errorsBackOffWithJitterAndTheVerifierRecovers() throws Exception {
    provider.publish(LIST_PATH, signedList(-60));
    TokenVerifier verifier = following();
    await().atMost(Duration.ofSeconds(5)).until(() -> provider.waiting() == 1);

    provider.failWith(500, null);
    provider.publish(LIST_PATH, signedList(-50, 3)); // the held long-poll answers 500 now
    await().atMost(Duration.ofSeconds(10)).until(() -> provider.count(LIST_PATH, 500) >= 5);
    // The list held before keeps verifying while the provider fails.
    assertThat(verify(verifier, 3)).isEmpty();

    provider.failWith(0, null);
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(verify(verifier, 3)).contains(Rejection.REVOKED));

    List<Long> failures =
        provider.seen().stream()
            .filter(seen -> seen.status() == 500)
            .map(FakeProvider.Seen::atNanos)
            .toList();
    for (int i = 1; i < failures.size(); i++) {
      long gapMillis = (failures.get(i) - failures.get(i - 1)) / 1_000_000;
      // At least half of the smallest step (100 ms): never a tight loop.
      assertThat(gapMillis).as("gap before failure %d", i).isGreaterThanOrEqualTo(45);
    }
    // Steps double up to 400 ms, drawn from their upper half: later gaps reach beyond 100 ms.
    long lastGap =
        (failures.get(failures.size() - 1) - failures.get(failures.size() - 2)) / 1_000_000;
    assertThat(lastGap).isGreaterThanOrEqualTo(190);
  }

  @Test
  void aRefusalWithRetryAfterIsHonoured() throws Exception {
    provider.publish(LIST_PATH, signedList(-60));
    provider.failWith(503, "1");
    TokenVerifier verifier = follow(builder().statusListUri(java.net.URI.create(listUri)));
    await().atMost(Duration.ofSeconds(5)).until(() -> provider.count(LIST_PATH, 503) >= 2);
    List<Long> refused =
        provider.seen().stream()
            .filter(seen -> seen.status() == 503 && seen.path().equals(LIST_PATH))
            .map(FakeProvider.Seen::atNanos)
            .toList();
    assertThat((refused.get(1) - refused.get(0)) / 1_000_000).isGreaterThanOrEqualTo(950);
    provider.failWith(0, null);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(verify(verifier, 3)).isEmpty());
  }

  @Test
  void aStaleListFailsClosedUntilAFreshOneArrives() throws Exception {
    provider.publish(LIST_PATH, signedList(-60, 7));
    TokenVerifier verifier = following();
    assertThat(verify(verifier, 3)).isEmpty();

    clock.advance(Duration.ofHours(1)); // exp = iat + 1 h = NOW + 3540 s

    assertThat(verify(verifier, 3)).contains(Rejection.STATUS_STALE);
    assertThat(verify(verifier, 7)).as("a revocation stays proven").contains(Rejection.REVOKED);
    assertThat(verdicts.get(verdicts.size() - 2).rejection()).contains(Rejection.STATUS_STALE);
    assertThat(verifier.trustHealth().ready()).isFalse();
    assertThat(verifier.trustHealth().message()).contains("is stale").contains(listUri);

    provider.publish(LIST_PATH, signedList(3600, 7));

    await().atMost(WITHIN_A_SECOND).untilAsserted(() -> assertThat(verify(verifier, 3)).isEmpty());
    assertThat(verifier.trustHealth().ready()).isTrue();
  }

  @Test
  void aListOlderThanTheMaximumAgeIsStaleBeforeItsExp() throws Exception {
    provider.publish(LIST_PATH, signedList(-60));
    TokenVerifier verifier =
        follow(
            builder()
                .statusListUri(java.net.URI.create(listUri))
                .maxStatusListAge(Duration.ofMinutes(5)));
    assertThat(verifier.awaitTrust(Duration.ofSeconds(5))).isTrue();
    assertThat(verify(verifier, 3)).isEmpty();

    clock.advance(Duration.ofMinutes(4)); // issued 5 min ago
    assertThat(verify(verifier, 3)).isEmpty();
    clock.advance(Duration.ofSeconds(1));

    assertThat(verify(verifier, 3)).contains(Rejection.STATUS_STALE);
  }

  @Test
  void aTamperedWronglyTypedOrForeignListIsRefusedAndTheLastGoodOneStays() throws Exception {
    provider.publish(LIST_PATH, signedList(-60, 3));
    TokenVerifier verifier = following();
    long parsed = documentsParsed(verifier);
    // Revokes 4 as well: only the good list can make 4 revoked (and none can un-revoke 3).
    String good = signedList(-50, 3, 4);

    String tampered =
        good.substring(0, good.length() - 4) + (good.endsWith("AAAA") ? "BAAA" : "AAAA");
    String wrongTyp =
        StatusListTokenWriter.sign(
            KEY,
            "{\"alg\":\"EdDSA\",\"kid\":\"" + KEY.kid() + "\",\"typ\":\"JWT\"}",
            StatusListTokenWriter.payload(
                listUri,
                NOW.getEpochSecond() - 50,
                NOW.getEpochSecond() + 3600,
                30,
                StatusListTokenWriter.list()));
    String wrongSub =
        StatusListTokenWriter.sign(
            KEY,
            provider.uri("/status/other"),
            NOW.getEpochSecond() - 50,
            StatusListTokenWriter.list());
    String otherKey =
        StatusListTokenWriter.sign(
            OTHER_KEY, listUri, NOW.getEpochSecond() - 50, StatusListTokenWriter.list());
    long expected = parsed;
    for (String bad : List.of(tampered, wrongTyp, wrongSub, otherKey)) {
      provider.publish(LIST_PATH, bad);
      long next = ++expected;
      await().atMost(Duration.ofSeconds(5)).until(() -> documentsParsed(verifier) >= next);
      assertThat(verify(verifier, 3)).contains(Rejection.REVOKED);
      assertThat(verify(verifier, 4)).isEmpty();
    }

    provider.publish(LIST_PATH, good);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(verify(verifier, 4)).contains(Rejection.REVOKED));
    assertThat(verify(verifier, 5)).isEmpty();
  }

  @Test
  void aListSignedByANewlyPublishedKeyIsTakenOnceTheJwksIsFetchedAgain() throws Exception {
    provider.publish(LIST_PATH, signedList(-60));
    TokenVerifier verifier = following();

    provider.publish(FakeProvider.JWKS_PATH, TestKey.jwks(KEY, OTHER_KEY));
    provider.publish(
        LIST_PATH,
        StatusListTokenWriter.sign(
            OTHER_KEY, listUri, NOW.getEpochSecond() - 30, StatusListTokenWriter.list(3)));

    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(() -> assertThat(verify(verifier, 3)).contains(Rejection.REVOKED));
  }

  @Test
  void withBothChannelsTheHighestVersionWinsAndTheMountAloneKeepsTheVerifierFresh()
      throws Exception {
    KubeletVolume volume = new KubeletVolume(dir);
    volume.publish(
        Map.of("jwks.json", TestKey.jwks(KEY), "status-list.jwt", versionedList(1, -100)));
    provider.publish(LIST_PATH, versionedList(2, -50, 3));
    TokenVerifier verifier =
        follow(
            builder()
                .trustDirectory(dir)
                .pollInterval(Duration.ofMillis(50))
                .statusListUri(java.net.URI.create(listUri)));
    assertThat(verifier.awaitTrust(Duration.ofSeconds(5))).isTrue();

    // HTTP has the higher version: its revocation of 3 counts.
    assertThat(verify(verifier, 3)).contains(Rejection.REVOKED);
    assertThat(verify(verifier, 4)).isEmpty();
    assertThat(verifier.statusListVersion(listUri)).hasValue(2);

    // The mount catches up and overtakes: 4 is revoked there.
    volume.publish(
        Map.of("jwks.json", TestKey.jwks(KEY), "status-list.jwt", versionedList(3, -10, 3, 4)));
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(verify(verifier, 4)).contains(Rejection.REVOKED));
    assertThat(verifier.statusListVersion(listUri)).hasValue(3);

    // The provider goes stale-silent (down): the mount alone keeps the verifier fresh.
    provider.failWith(500, null);
    clock.advance(Duration.ofSeconds(3560)); // HTTP's list (exp NOW+3550) is past exp
    assertThat(verify(verifier, 5)).isEmpty();
    assertThat(verifier.trustHealth().ready()).isTrue();
  }

  private String versionedList(long version, long iatOffsetSeconds, long... revoked) {
    return StatusListTokenWriter.signVersion(
        KEY,
        listUri,
        version,
        NOW.getEpochSecond() + iatOffsetSeconds,
        StatusListTokenWriter.list(revoked));
  }

  @Test
  void acceptsAListThatNimbusSignedAndTheProviderServes() throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .keyID(KEY.kid())
                .type(new JOSEObjectType("statuslist+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .subject(listUri)
                .issueTime(Date.from(NOW.minusSeconds(60)))
                .expirationTime(Date.from(NOW.plusSeconds(3600)))
                .claim("ttl", 30)
                .claim(
                    "status_list",
                    Map.of("bits", 1, "lst", StatusListTokenWriter.list(6).encodeLst()))
                .build());
    jwt.sign(new Ed25519Signer(KEY.toNimbus()));
    provider.publish(LIST_PATH, jwt.serialize());

    TokenVerifier verifier = following();

    assertThat(verify(verifier, 6)).contains(Rejection.REVOKED);
    assertThat(verify(verifier, 5)).isEmpty();
  }

  @Test
  void gzipAnswersAreInflated() throws Exception {
    // FakeProvider zips whenever asked; the verifier always asks.
    provider.publish(LIST_PATH, signedList(-60, 9));
    TokenVerifier verifier = following();

    assertThat(verify(verifier, 9)).contains(Rejection.REVOKED);
  }

  @Test
  void twoHundredVerifiersShareOneClientAndHoldNoThreadEach() throws Exception {
    provider.publish(LIST_PATH, signedList(-60));
    int before = clientThreads();
    List<TokenVerifier> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(follow(builder().statusListUri(java.net.URI.create(listUri))));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> provider.waiting() == 200);

    assertThat(clientThreads() - before).isLessThanOrEqualTo(8);
    provider.publish(LIST_PATH, signedList(-59, 3));
    await()
        .atMost(Duration.ofSeconds(3))
        .until(
            () -> many.stream().allMatch(v -> verify(v, 3).equals(Optional.of(Rejection.REVOKED))));
  }

  private static int clientThreads() {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> !thread.getName().startsWith("fake-provider"))
            .count();
  }

  private static long documentsParsed(TokenVerifier verifier) {
    return TokenVerifierAccess.documentsParsed(verifier);
  }
}
