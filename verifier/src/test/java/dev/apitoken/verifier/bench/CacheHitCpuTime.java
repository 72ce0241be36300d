package dev.apitoken.verifier.bench;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Base64;
import java.util.Random;

/**
 * Cache hits and full verifications per second of the verifying thread's own CPU time, not of wall
 * time: on a machine shared with other builds, JMH's wall-clock throughput mostly measures how
 * often the scheduler runs the thread. Same tokens and settings as {@link VerifierBenchmark}.
 * Prints, per round, hits per CPU second and wall second, and the same for the full path.
 *
 * <pre>
 * java -cp "$CP" dev.apitoken.verifier.bench.CacheHitCpuTime 5
 * </pre>
 */
public final class CacheHitCpuTime {
  private static final int TOKENS = 64;

  private CacheHitCpuTime() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    TestKey key = TestKey.fromSeed(42);
    TokenFactory factory = new TokenFactory(key);
    Random random = new Random(7);
    long now = Instant.now().getEpochSecond();
    StatusList statusList = new StatusList(1, VerifierBenchmark.LIST_SIZE);
    String[] tokens = new String[TOKENS];
    for (int i = 0; i < TOKENS; i++) {
      byte[] jti = new byte[16];
      random.nextBytes(jti);
      tokens[i] =
          factory.token(
              TokenFactory.claims(random.nextInt(VerifierBenchmark.LIST_SIZE))
                  .set("iat", now - 60)
                  .set("nbf", now - 60)
                  .set("exp", now + 86_400)
                  .set("jti", Base64.getUrlEncoder().withoutPadding().encodeToString(jti)));
    }
    String statusListJson = StatusListDocument.of(statusList, TokenFactory.STATUS_URI).toJson();
    TokenVerifier cached = verifier(key, statusListJson, 2 * TOKENS);
    TokenVerifier uncached = verifier(key, statusListJson, 0);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int round = 1; round <= rounds; round++) {
      double[] hits = measure(cached, tokens, 2_000_000, threads);
      double[] full = measure(uncached, tokens, 5_000, threads);
      System.out.printf(
          "round %d: cache hits %,.0f /CPU-s (%,.0f /s wall); full path %,.0f /CPU-s (%,.0f /s"
              + " wall)%n",
          round, hits[0], hits[1], full[0], full[1]);
    }
    System.out.println(cached.cacheStatistics());
  }

  private static TokenVerifier verifier(TestKey key, String statusListJson, int cacheSize) {
    return TokenVerifier.builder()
        .trust(TestKey.jwks(key), statusListJson)
        .expectedIssuer(TokenFactory.ISSUER)
        .expectedAudience(TokenFactory.AUDIENCE)
        .verifiedTokenCache(cacheSize)
        .build();
  }

  /** {operations per CPU second, operations per wall second}. */
  private static double[] measure(
      TokenVerifier verifier, String[] tokens, int operations, ThreadMXBean threads) {
    long cpuStart = threads.getCurrentThreadCpuTime();
    long wallStart = System.nanoTime();
    int accepted = 0;
    for (int i = 0; i < operations; i++) {
      Verdict verdict = verifier.verify(tokens[i & (TOKENS - 1)]);
      accepted += verdict.isAccepted() ? 1 : 0;
    }
    long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
    long wall = System.nanoTime() - wallStart;
    if (accepted != operations) {
      throw new IllegalStateException("a token was rejected");
    }
    return new double[] {operations * 1e9 / cpu, operations * 1e9 / wall};
  }
}
