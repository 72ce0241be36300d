package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.AUDIENCE;
import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A verifier with the verified-token cache on: a token seen again skips the signature check, but
 * every change of trust or time decides the very next call, exactly as without the cache.
 */
class VerifiedTokenCacheTest {
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TestKey OTHER_KEY = TestKey.fromSeed(2);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final Duration LEEWAY = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(NOW);
  private final List<Verdict> heard = new CopyOnWriteArrayList<>();
  private final List<TokenVerifier> verifiers = new ArrayList<>();

  @AfterEach
  void close() {
    verifiers.forEach(TokenVerifier::close);
  }

  private TokenVerifier.Builder inMemory(int cacheSize) {
    return TokenVerifier.builder()
        .trust(TestKey.jwks(KEY, OTHER_KEY), TokenFactory.statusListJson(7))
        .expectedIssuer(ISSUER)
        .expectedAudience(AUDIENCE)
        .leeway(LEEWAY)
        .clock(clock)
        .listener(heard::add)
        .verifiedTokenCache(cacheSize);
  }

  /** A verifier of the trust directory, reloaded by the test alone (no watcher thread). */
  private TokenVerifier ofDirectory(String jwks, String statusList) throws IOException {
    writeTrust(jwks, statusList);
    TokenVerifier verifier =
        TokenVerifier.builder()
            .trustDirectory(dir)
            .watch(false)
            .allowUnsignedStatusList()
            .expectedIssuer(ISSUER)
            .clock(clock)
            .verifiedTokenCache(100)
            .build();
    verifiers.add(verifier);
    return verifier;
  }

  private void writeTrust(String jwks, String statusList) throws IOException {
    Files.writeString(dir.resolve("jwks.json"), jwks);
    Files.writeString(dir.resolve("status-list.json"), statusList);
  }

  /** Verifies {@code token} twice, so that the second verdict came from the cache. */
  private static void warm(TokenVerifier verifier, String token) {
    long hits = verifier.cacheStatistics().hits();
    assertThat(verifier.verify(token).isAccepted()).isTrue();
    assertThat(verifier.verify(token).isAccepted()).isTrue();
    assertThat(verifier.cacheStatistics().hits()).isEqualTo(hits + 1);
  }

  private static Rejection reason(Verdict verdict) {
    return verdict.rejection().orElse(null);
  }

  @Test
  void aTokenSeenAgainIsAHitWithTheSameVerdictAndTheListenerHearsBoth() {
    TokenVerifier verifier = inMemory(10).build();
    String token = TOKENS.token(claims(3));

    Verdict first = verifier.verify(token);
    Verdict second = verifier.verify(token);

    assertThat(first.isAccepted()).isTrue();
    assertThat(second).isEqualTo(first);
    assertThat(heard).containsExactly(first, second);
    VerifiedTokenCache.Statistics statistics = verifier.cacheStatistics();
    assertThat(statistics).isEqualTo(new VerifiedTokenCache.Statistics(1, 1, 1, 10));
    assertThat(statistics.hitRatio()).isEqualTo(0.5);
  }

  @Test
  void cachedVerdictsShareTheValuesTheyRepeatButEqualTheFullOnes() {
    TokenVerifier verifier = inMemory(10).build();
    String one = TOKENS.token(claims(3));
    String two = TOKENS.token(claims(4).set("jti", "BAECAwQFBgcICQoLDA0ODw"));
    Verdict.Accepted fullOne = (Verdict.Accepted) verifier.verify(one);
    Verdict.Accepted fullTwo = (Verdict.Accepted) verifier.verify(two);

    Verdict.Accepted cachedOne = (Verdict.Accepted) verifier.verify(one);
    Verdict.Accepted cachedTwo = (Verdict.Accepted) verifier.verify(two);

    assertThat(cachedOne).isEqualTo(fullOne);
    assertThat(cachedTwo).isEqualTo(fullTwo);
    assertThat(cachedOne.claims().audiences()).isSameAs(cachedTwo.claims().audiences());
    assertThat(cachedOne.claims().scopes()).isSameAs(cachedTwo.claims().scopes());
    assertThat(cachedOne.claims().issuer()).isSameAs(cachedTwo.claims().issuer());
    assertThat(cachedOne.claims().statusUri()).isSameAs(cachedTwo.claims().statusUri());
    assertThat(verifier.cacheStatistics().hits()).isEqualTo(2);
  }

  @Test
  void onlyAcceptedVerdictsAreCachedAndRejectionsAreHeardEveryTime() {
    TokenVerifier verifier = inMemory(10).build();
    String revoked = TOKENS.token(claims(7));
    String wrongAudience = TOKENS.token(claims(3).set("aud", "billing"));

    for (int i = 0; i < 3; i++) {
      assertThat(reason(verifier.verify(revoked))).isEqualTo(Rejection.REVOKED);
      assertThat(reason(verifier.verify(wrongAudience))).isEqualTo(Rejection.WRONG_AUDIENCE);
    }

    assertThat(verifier.cacheStatistics())
        .isEqualTo(new VerifiedTokenCache.Statistics(0, 6, 0, 10));
    assertThat(heard).hasSize(6).noneMatch(Verdict::isAccepted);
  }

  @Test
  void offByDefaultAndRefusesANegativeSize() {
    TokenVerifier verifier = inMemory(0).build();
    String token = TOKENS.token(claims(3));
    verifier.verify(token);
    verifier.verify(token);

    assertThat(verifier.cacheStatistics()).isEqualTo(new VerifiedTokenCache.Statistics(0, 0, 0, 0));
    assertThat(verifier.cacheStatistics().hitRatio()).isZero();
    assertThat(
            TokenVerifier.builder()
                .trust(TestKey.jwks(KEY), null)
                .acceptAnyIssuer()
                .build()
                .cacheStatistics()
                .capacity())
        .isZero();
    assertThatThrownBy(() -> inMemory(0).verifiedTokenCache(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRevocationInTheReloadedTrustDirectoryRejectsTheVeryNextCall() throws IOException {
    TokenVerifier verifier = ofDirectory(TestKey.jwks(KEY), TokenFactory.statusListJson());
    String token = TOKENS.token(claims(3));
    warm(verifier, token);

    writeTrust(TestKey.jwks(KEY), TokenFactory.statusListJson(3));
    assertThat(verifier.reload().ok()).isTrue();

    assertThat(reason(verifier.verify(token))).isEqualTo(Rejection.REVOKED);
    // It was the hit path that said so, and the rejected token left the cache.
    assertThat(verifier.cacheStatistics().hits()).isEqualTo(2);
    assertThat(verifier.cacheStatistics().entries()).isZero();
    assertThat(reason(verifier.verify(token))).isEqualTo(Rejection.REVOKED);
  }

  @Test
  void aKeyRemovedFromTheJwksRejectsTheVeryNextCall() throws IOException {
    TokenVerifier verifier =
        ofDirectory(TestKey.jwks(KEY, OTHER_KEY), TokenFactory.statusListJson());
    String token = TOKENS.token(claims(3));
    String otherToken = new TokenFactory(OTHER_KEY).token(claims(4));
    warm(verifier, token);
    warm(verifier, otherToken);

    writeTrust(TestKey.jwks(OTHER_KEY), TokenFactory.statusListJson());
    assertThat(verifier.reload().ok()).isTrue();

    Verdict verdict = verifier.verify(token);
    assertThat(reason(verdict)).isEqualTo(Rejection.UNKNOWN_KEY);
    assertThat(verdict.kid()).isEqualTo(KEY.kid());
    // The other key's token still hits: a reload decodes new key objects, the key is the same.
    assertThat(verifier.verify(otherToken).isAccepted()).isTrue();
    assertThat(verifier.cacheStatistics())
        .isEqualTo(new VerifiedTokenCache.Statistics(3, 3, 1, 100));
  }

  @Test
  void aJwksThatPutsAnotherKeyUnderACachedKidIsRefusedSoTheCachedKeyStaysTheTrustedOne()
      throws IOException {
    TokenVerifier verifier = ofDirectory(TestKey.jwks(KEY), TokenFactory.statusListJson());
    String token = TOKENS.token(claims(3));
    warm(verifier, token);

    // The kid is the RFC 7638 thumbprint of x: the loader refuses a new x under the old kid.
    writeTrust(
        TestKey.jwks(KEY).replace("\"x\":\"" + KEY.x() + "\"", "\"x\":\"" + OTHER_KEY.x() + "\""),
        TokenFactory.statusListJson());
    assertThat(verifier.reload().ok()).isFalse();

    assertThat(verifier.verify(token).isAccepted()).isTrue();
    assertThat(verifier.cacheStatistics().hits()).isEqualTo(2);
  }

  @Test
  void aCachedEntryWhoseKidNowNamesOtherKeyMaterialIsNotAHit() {
    // Unreachable through a JWKS (see above), so the cache itself is held to it.
    TrustedKey key = TrustedKeys.parse(TestKey.jwks(KEY)).key(KEY.kid());
    TrustedKey other = TrustedKeys.parse(TestKey.jwks(OTHER_KEY)).key(OTHER_KEY.kid());
    TrustedKey impostor =
        new TrustedKey(KEY.kid(), other.alg(), other.publicKey(), other.publicPoint());
    VerifiedTokenCache cache = new VerifiedTokenCache(4);
    TokenDigest digest = TokenDigest.of(new byte[] {1, 2, 3});
    Verdict.Accepted verdict =
        (Verdict.Accepted) inMemory(0).build().verify(TOKENS.token(claims(3)));
    cache.put(digest, verdict, key, Long.MAX_VALUE, 0, 0);

    assertThat(cache.lookup(digest, TrustedKeys.parse(TestKey.jwks(KEY)))).isNotNull();
    assertThat(cache.lookup(digest, TrustedKeys.of(java.util.Map.of(KEY.kid(), impostor))))
        .isNull();
    assertThat(cache.statistics()).isEqualTo(new VerifiedTokenCache.Statistics(1, 1, 0, 4));
  }

  @Test
  void expiryIsCheckedOnEveryHitWithTheLeewayAndDropsTheEntry() {
    TokenVerifier verifier = inMemory(10).build();
    String token = TOKENS.token(claims(3).set("exp", NOW.getEpochSecond() + 60));
    warm(verifier, token);

    clock.set(NOW.plusSeconds(60).plus(LEEWAY).minusMillis(1));
    assertThat(verifier.verify(token).isAccepted()).isTrue();

    clock.set(NOW.plusSeconds(60).plus(LEEWAY));
    assertThat(reason(verifier.verify(token))).isEqualTo(Rejection.EXPIRED);
    assertThat(verifier.cacheStatistics())
        .isEqualTo(new VerifiedTokenCache.Statistics(3, 1, 0, 10));
  }

  @Test
  void notBeforeIsCheckedOnEveryHitWhenTheClockGoesBack() {
    TokenVerifier verifier = inMemory(10).build();
    String token = TOKENS.token(claims(3).set("nbf", NOW.getEpochSecond()));
    warm(verifier, token);

    clock.set(NOW.minus(LEEWAY));
    assertThat(verifier.verify(token).isAccepted()).isTrue();
    clock.set(NOW.minus(LEEWAY).minusMillis(1));
    assertThat(reason(verifier.verify(token))).isEqualTo(Rejection.NOT_YET_VALID);
    assertThat(verifier.cacheStatistics().hits()).isEqualTo(3);
  }

  @Test
  void aCachedTokensSignatureUnderAnotherHeaderOrPayloadIsABadSignature() {
    TokenVerifier verifier = inMemory(10).build();
    String token = TOKENS.token(claims(3));
    warm(verifier, token);
    String[] parts = token.split("\\.");
    String otherPayload = TokenFactory.b64(claims(4).toJson());
    String otherHeader =
        TokenFactory.b64("{\"kid\":\"" + KEY.kid() + "\",\"alg\":\"EdDSA\",\"typ\":\"JWT\"}");

    assertThat(reason(verifier.verify(parts[0] + "." + otherPayload + "." + parts[2])))
        .isEqualTo(Rejection.BAD_SIGNATURE);
    assertThat(reason(verifier.verify(otherHeader + "." + parts[1] + "." + parts[2])))
        .isEqualTo(Rejection.BAD_SIGNATURE);
    assertThat(verifier.verify(token + "A").isAccepted()).isFalse();
    assertThat(verifier.cacheStatistics())
        .isEqualTo(new VerifiedTokenCache.Statistics(1, 4, 1, 10));
  }

  @Test
  void theMaximumTokenLengthStillComesFirst() {
    TokenVerifier verifier = inMemory(10).maxTokenLength(256).build();
    String token = TOKENS.token(claims(3));
    assertThat(token.length()).isGreaterThan(256);

    assertThat(reason(verifier.verify(token))).isEqualTo(Rejection.TOO_LARGE);
    assertThat(verifier.cacheStatistics())
        .isEqualTo(new VerifiedTokenCache.Statistics(0, 0, 0, 10));
  }

  @Test
  void neverHoldsMoreThanItsCapacityAndKeepsWhatWasUsedRecently() {
    TokenVerifier verifier = inMemory(4).build();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      tokens.add(TOKENS.token(claims(100 + i)));
    }
    for (int i = 0; i < 4; i++) {
      assertThat(verifier.verify(tokens.get(i)).isAccepted()).isTrue();
    }
    assertThat(verifier.verify(tokens.get(0)).isAccepted()).isTrue(); // used again

    for (int i = 4; i < 12; i++) {
      assertThat(verifier.verify(tokens.get(i)).isAccepted()).isTrue();
      assertThat(verifier.cacheStatistics().entries()).isLessThanOrEqualTo(4);
      if (i == 4) {
        // The hand passed the used token and took the next one.
        long hits = verifier.cacheStatistics().hits();
        verifier.verify(tokens.get(0));
        assertThat(verifier.cacheStatistics().hits()).isEqualTo(hits + 1);
      }
    }
    assertThat(verifier.cacheStatistics().entries()).isEqualTo(4);
  }

  @Test
  void anExpiredEntryIsEvictedBeforeARecentlyUsedOne() {
    TokenVerifier verifier = inMemory(2).build();
    String shortLived = TOKENS.token(claims(3).set("exp", NOW.getEpochSecond() + 10));
    String longLived = TOKENS.token(claims(4));
    // The hand meets the long-lived token first: both used, so plain CLOCK would evict it.
    warm(verifier, longLived);
    warm(verifier, shortLived);

    clock.set(NOW.plusSeconds(10).plus(LEEWAY));
    assertThat(verifier.verify(TOKENS.token(claims(5))).isAccepted()).isTrue();

    long hits = verifier.cacheStatistics().hits();
    assertThat(verifier.verify(longLived).isAccepted()).isTrue();
    assertThat(verifier.cacheStatistics().hits()).isEqualTo(hits + 1);
  }

  @Test
  void givesTheSameVerdictsAsWithoutTheCacheCallAfterCall() {
    TokenVerifier cached = inMemory(3).build();
    TokenVerifier uncached = inMemory(0).build();
    List<String> tokens =
        List.of(
            TOKENS.token(claims(3)),
            TOKENS.token(claims(7)),
            TOKENS.token(claims(3).set("exp", NOW.getEpochSecond() + 5)),
            TOKENS.token(claims(3).set("nbf", NOW.getEpochSecond() + 5)),
            TOKENS.token(claims(3).set("iss", "https://elsewhere.example")),
            TOKENS.token(claims(3).remove("status")),
            TOKENS.token(claims(5_000)),
            new TokenFactory(OTHER_KEY).token(claims(9)),
            new TokenFactory(TestKey.fromSeed(3)).token(claims(9)),
            TOKENS.token(claims(3)).replace('.', '!'));
    for (int second = 0; second < 50; second += 7) {
      clock.set(NOW.plusSeconds(second));
      for (String token : tokens) {
        assertThat(cached.verify(token)).isEqualTo(uncached.verify(token));
      }
    }
    assertThat(cached.cacheStatistics().hits()).isPositive();
  }

  @Test
  void concurrentVerifiersNeverPushItPastItsCapacity() throws Exception {
    int capacity = 16;
    TokenVerifier verifier = inMemory(capacity).build();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      tokens.add(TOKENS.token(claims(100 + i)));
    }
    AtomicInteger mostSeen = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int thread = 0; thread < 4; thread++) {
        int offset = thread * 16;
        results.add(
            pool.submit(
                () -> {
                  boolean allAccepted = true;
                  for (int round = 0; round < 3; round++) {
                    // Each thread's own 16 tokens, then 16 more it shares with a neighbour.
                    for (int i = 0; i < 32; i++) {
                      String token = tokens.get((offset + i) % tokens.size());
                      allAccepted &= verifier.verify(token).isAccepted();
                      mostSeen.accumulateAndGet(verifier.cacheStatistics().entries(), Math::max);
                    }
                  }
                  return allAccepted;
                }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    VerifiedTokenCache.Statistics statistics = verifier.cacheStatistics();
    assertThat(mostSeen.get()).isLessThanOrEqualTo(capacity);
    assertThat(statistics.entries()).isEqualTo(capacity);
    assertThat(statistics.hits() + statistics.misses()).isEqualTo(4 * 3 * 32);
  }

  @Test
  void underContentionTheBoundHoldsAndEveryEntryItKeepsIsFound() throws Exception {
    int capacity = 32;
    VerifiedTokenCache cache = new VerifiedTokenCache(capacity);
    TrustedKeys keys = TrustedKeys.parse(TestKey.jwks(KEY));
    TrustedKey key = keys.key(KEY.kid());
    Verdict.Accepted verdict =
        (Verdict.Accepted) inMemory(0).build().verify(TOKENS.token(claims(3)));
    TokenDigest[] digests = new TokenDigest[500];
    for (int i = 0; i < digests.length; i++) {
      digests[i] = TokenDigest.of(("token " + i).getBytes(StandardCharsets.US_ASCII));
    }
    AtomicInteger mostSeen = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int thread = 0; thread < 4; thread++) {
        int seed = thread;
        done.add(
            pool.submit(
                () -> {
                  java.util.Random random = new java.util.Random(seed);
                  for (int i = 0; i < 20_000; i++) {
                    TokenDigest digest = digests[random.nextInt(digests.length)];
                    VerifiedTokenCache.Entry entry = cache.lookup(digest, keys);
                    if (entry == null) {
                      cache.put(digest, verdict, key, Long.MAX_VALUE, 0, 0);
                    } else if (random.nextInt(10) == 0) {
                      cache.remove(entry);
                    }
                    mostSeen.accumulateAndGet(cache.statistics().entries(), Math::max);
                  }
                }));
      }
      for (Future<?> future : done) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(mostSeen.get()).isLessThanOrEqualTo(capacity);
    int found = 0;
    for (TokenDigest digest : digests) {
      found += cache.lookup(digest, keys) == null ? 0 : 1;
    }
    // Held slots and the index agree once the threads are done: nothing is held but unfindable.
    assertThat(found).isEqualTo(cache.statistics().entries()).isPositive();
  }
}
