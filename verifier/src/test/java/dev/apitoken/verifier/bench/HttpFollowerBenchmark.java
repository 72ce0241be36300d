package dev.apitoken.verifier.bench;

import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.http.FakeProvider;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client side of the end-to-end revocation latency: N verifiers in one JVM (shared HttpClient,
 * long-polling, no thread each) follow one status list on the in-test provider; the list is
 * republished with a revocation; each verifier is checked until it rejects the token. Prints p50 /
 * p99 / max from publish to rejection, the threads the verifiers added, and the heap they hold. The
 * provider is the test's JDK HttpServer (a thread per held request), not the operator's: the
 * operator-side benchmark comes after merging with the provider.
 *
 * <pre>
 * mvn -B -q -o -pl format,verifier test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.apitoken.verifier.bench.HttpFollowerBenchmark -Dexec.args=1000
 * </pre>
 */
public final class HttpFollowerBenchmark {
  private HttpFollowerBenchmark() {}

  public static void main(String[] args) throws Exception {
    int verifiers = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Logger.getLogger(TokenVerifier.class.getName()).setLevel(Level.SEVERE);
    TestKey key = TestKey.fromSeed(1);
    TokenFactory tokens = new TokenFactory(key);
    Instant now = TokenFactory.NOW;
    try (FakeProvider provider = new FakeProvider()) {
      String uri = provider.uri("/status/default");
      provider.publish(FakeProvider.JWKS_PATH, TestKey.jwks(key));
      provider.publish(
          "/status/default",
          StatusListTokenWriter.sign(
              key, uri, now.getEpochSecond() - 60, StatusListTokenWriter.list()));
      String token =
          tokens.token(
              TokenFactory.claims(3)
                  .set("status", Map.of("status_list", TokenFactory.statusList(3, uri))));

      int threadsBefore = clientThreads();
      long heapBefore = usedHeap();
      List<TokenVerifier> all = new ArrayList<>(verifiers);
      for (int i = 0; i < verifiers; i++) {
        all.add(
            TokenVerifier.builder()
                .trustUrl(provider.base())
                .statusListUri(URI.create(uri))
                .expectedIssuer(TokenFactory.ISSUER)
                .clock(Clock.fixed(now, ZoneOffset.UTC))
                .build());
      }
      waitUntil(() -> provider.waiting() == verifiers, Duration.ofSeconds(60));
      long heapHeld = usedHeap() - heapBefore;
      int threadsAdded = clientThreads() - threadsBefore;
      System.out.printf(
          "%d verifiers long-polling: %d client threads added, ~%d KiB heap each"
              + " (verifiers and the in-test provider's held exchanges together)%n",
          verifiers, threadsAdded, heapHeld / 1024 / verifiers);

      for (int round = 1; round <= rounds; round++) {
        boolean revoke = round % 2 == 1;
        long[] revoked = revoke ? new long[] {3} : new long[0];
        // Alternate revoking and (for the benchmark only) un-revoking index 3, so every round
        // measures a change; iat grows so no verifier mistakes a round for an older copy.
        long published = System.nanoTime();
        provider.publish(
            "/status/default",
            StatusListTokenWriter.sign(
                key, uri, now.getEpochSecond() - 60 + round, StatusListTokenWriter.list(revoked)));
        Instant roundIat = Instant.ofEpochSecond(now.getEpochSecond() - 60 + round);
        long[] millis = new long[verifiers];
        boolean[] done = new boolean[verifiers];
        int left = verifiers;
        long deadline = published + Duration.ofSeconds(30).toNanos();
        // Cheap probe: when the verifier holds the new list, its next verify() sees it. The cost
        // of that verify (one Ed25519 check, ~0.1 ms) is the same before and after and is
        // measured once below, not 1,000 times per sweep.
        while (left > 0 && System.nanoTime() < deadline) {
          for (int i = 0; i < verifiers; i++) {
            if (!done[i]
                && all.get(i).statusListIssuedAt(uri).filter(roundIat::equals).isPresent()) {
              done[i] = true;
              millis[i] = (System.nanoTime() - published) / 1_000_000;
              left--;
            }
          }
          // Not a spin: on 2 cores a spinning probe would take a core from the verifiers.
          Thread.sleep(1);
        }
        for (TokenVerifier verifier : all) {
          boolean rejected =
              verifier.verify(token).rejection().filter(r -> r == Rejection.REVOKED).isPresent();
          if (rejected != revoke) {
            throw new IllegalStateException("a verifier holds the new list but decides otherwise");
          }
        }
        long[] served =
            provider.seen().stream()
                .filter(seen -> seen.status() == 200 && seen.atNanos() >= published)
                .mapToLong(seen -> (seen.atNanos() - published) / 1_000_000)
                .sorted()
                .toArray();
        if (served.length > 0) {
          System.out.printf(
              "  provider answered %d: p50 %d ms, max %d ms after publishing%n",
              served.length, served[served.length / 2], served[served.length - 1]);
        }
        Arrays.sort(millis);
        System.out.printf(
            "round %d (%s): %d/%d verifiers saw it; p50 %d ms, p99 %d ms, max %d ms%n",
            round,
            revoke ? "revoke" : "clear",
            verifiers - left,
            verifiers,
            millis[verifiers / 2],
            millis[Math.min(verifiers - 1, (int) Math.ceil(verifiers * 0.99) - 1)],
            millis[verifiers - 1]);
        waitUntil(() -> provider.waiting() == verifiers, Duration.ofSeconds(30));
      }
      all.forEach(TokenVerifier::close);
    }
  }

  private static int clientThreads() {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> !thread.getName().startsWith("fake-provider"))
            .count();
  }

  private static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out");
      }
      Thread.sleep(10);
    }
  }
}
