package dev.apitoken.operator.bench;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ConditionAssert;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A mass revocation (a leaked CI secret store, say): 1,000 Ready ApiTokens in 20 namespaces, then
 * {@code spec.revoked: true} on all of them as fast as the client can send it. Measures how many
 * times the trust ConfigMap is rewritten per namespace while the burst lasts (the publisher
 * coalesces requests), and the time from the first revoke until every target namespace's copy (20
 * namespaces + the operator's) has all revoked indices INVALID, seen through a watch.
 *
 * <p>System properties: {@code bench.tokens} (1000), {@code bench.namespaces} (20), {@code
 * bench.threads} (8).
 */
public final class RevocationBurstBenchmark {
  private RevocationBurstBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("bench.tokens", 1000);
    int namespaceCount = Integer.getInteger("bench.namespaces", 20);
    int threads = Integer.getInteger("bench.threads", 8);
    List<String> namespaces = BenchCluster.namespaces("team", namespaceCount);
    int targets = namespaceCount + 1;

    try (BenchCluster cluster = new BenchCluster("revocation-burst")) {
      List<String> all = new ArrayList<>(namespaces);
      all.add(BenchCluster.OPERATOR_NAMESPACE);
      cluster.createNamespaces(all);
      cluster.startOperator();
      try (Tracker<ApiToken> tokens =
              new Tracker<>(cluster.client().resources(ApiToken.class).inAnyNamespace());
          Tracker<ConfigMap> copies = TrustCopies.track(cluster.client())) {
        tokens.expectCount(count, IssuanceBenchmark::ready);
        long issueStart = System.nanoTime();
        cluster.createAll(BenchCluster.tokens(count, namespaces), threads);
        long issued = tokens.await(Duration.ofMinutes(5));
        Quiet.until(cluster.requests());
        Collection<ApiToken> ready = tokens.snapshot().values();
        Collection<Long> indices = TrustCopies.indices(ready);

        Map<String, Long> before = cluster.requests().snapshot();
        Map<String, Long> configMapsBefore = cluster.requests().configMapWrites();
        long trustWritesBefore = cluster.operator().trustPublisher().configMapWrites();
        copies.expectCount(targets, map -> TrustCopies.allRevoked(map, indices));
        tokens.expectCount(
            count,
            t -> ConditionAssert.hasCondition(t, Conditions.REVOCATION_PUBLISHED, Conditions.TRUE));
        CpuAccount cpu = new CpuAccount();
        cpu.start();

        long start = System.nanoTime();
        ExecutorService pool =
            Executors.newFixedThreadPool(threads, BenchCluster.named("bench-revoke"));
        CompletableFuture.allOf(
                ready.stream()
                    .map(
                        t ->
                            CompletableFuture.runAsync(
                                () -> TrustCopies.revoke(cluster.client(), t), pool))
                    .toArray(CompletableFuture[]::new))
            .join();
        pool.shutdown();
        long sent = System.nanoTime();
        long everywhere = copies.await(Duration.ofMinutes(5));
        long statusTrue = tokens.await(Duration.ofMinutes(5));
        Quiet.until(cluster.requests());
        Map<String, Double> cpuMillis = cpu.stop();

        long trustWrites =
            cluster.operator().trustPublisher().configMapWrites() - trustWritesBefore;
        Map<String, Long> used = RequestCounter.difference(cluster.requests().snapshot(), before);
        Map<String, Long> configMapWrites =
            RequestCounter.difference(cluster.requests().configMapWrites(), configMapsBefore);

        System.out.printf(
            "RevocationBurstBenchmark: %d ApiTokens in %d namespaces, %d target namespaces,"
                + " %d client threads, %d CPUs%n",
            count, namespaceCount, targets, threads, Runtime.getRuntime().availableProcessors());
        System.out.printf(
            "  issuance (not the subject): all Ready after %.0f ms%n", (issued - issueStart) / 1e6);
        System.out.printf(
            "  revoke patches sent in                     %8.0f ms%n", ms(sent, start));
        System.out.printf(
            "  first revoke -> all %d copies final          %8.0f ms%n",
            targets, ms(everywhere, start));
        System.out.printf(
            "  first revoke -> all RevocationPublished=True %8.0f ms%n", ms(statusTrue, start));
        System.out.printf(
            "  trust ConfigMap writes (TrustPublisher)    %8d (%.1f per namespace)%n",
            trustWrites, (double) trustWrites / targets);
        Map<String, Long> perNamespace = new TreeMap<>();
        configMapWrites.forEach(
            (key, n) -> {
              if (key.endsWith("/" + cluster.config().trustConfigMapName())) {
                perNamespace.put(key.substring(0, key.indexOf('/')), n);
              }
            });
        System.out.printf(
            "  trust ConfigMap PUTs per namespace (interceptor): min %d, max %d%n",
            perNamespace.values().stream().mapToLong(Long::longValue).min().orElse(0),
            perNamespace.values().stream().mapToLong(Long::longValue).max().orElse(0));
        configMapWrites.forEach(
            (key, n) -> {
              if (!key.endsWith("/" + cluster.config().trustConfigMapName())) {
                System.out.printf("  other ConfigMap writes: %s %d%n", key, n);
              }
            });
        long total = RequestCounter.total(used);
        System.out.printf(
            "  operator API requests during the burst  %8d (%.2f per revoked ApiToken)%n",
            total, (double) total / count);
        used.forEach(
            (key, n) ->
                System.out.printf("    %-34s %7d  %6.3f/token%n", key, n, (double) n / count));
        System.out.println("  CPU time, first revoke until the operator went quiet:");
        cpuMillis.forEach((category, ms) -> System.out.printf("    %-34s %7.0f%n", category, ms));
      }
    }
    System.exit(0);
  }

  private static double ms(long to, long from) {
    return (to - from) / 1e6;
  }
}
