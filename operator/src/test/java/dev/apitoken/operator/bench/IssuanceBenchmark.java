package dev.apitoken.operator.bench;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ConditionAssert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How fast the operator issues a burst of new ApiTokens, and how many API requests each costs.
 * Starts the mock API and the operator (production tuning, leader election off), creates {@code
 * bench.tokens} ApiTokens (default 1,000) spread over 10 namespaces from 8 client threads, and
 * times first create to the last Ready=True seen through a watch.
 *
 * <p>System properties: {@code bench.tokens}, {@code bench.namespaces}, {@code bench.threads},
 * {@code bench.warmup} (ApiTokens issued, in a separate namespace, before the measured burst;
 * default 0: a cold JVM, as after an operator restart), {@code bench.mode}: {@code burst} (default,
 * as above) or {@code backlog} (all ApiTokens exist before the operator starts, timed from start:
 * the operator's own pace, without the creates competing for the mock API).
 */
public final class IssuanceBenchmark {
  private IssuanceBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("bench.tokens", 1000);
    int namespaceCount = Integer.getInteger("bench.namespaces", 10);
    int threads = Integer.getInteger("bench.threads", 8);
    int warmup = Integer.getInteger("bench.warmup", 0);
    boolean backlog = System.getProperty("bench.mode", "burst").equals("backlog");
    List<String> namespaces = BenchCluster.namespaces("apps", namespaceCount);

    try (BenchCluster cluster = new BenchCluster("issuance")) {
      List<String> all = new ArrayList<>(namespaces);
      all.add(BenchCluster.OPERATOR_NAMESPACE);
      if (warmup > 0) {
        all.add("warmup");
      }
      cluster.createNamespaces(all);
      if (backlog) {
        cluster.createAll(BenchCluster.tokens(count, namespaces), threads);
      } else {
        cluster.startOperator();
      }

      try (Tracker<ApiToken> tokens =
          new Tracker<>(cluster.client().resources(ApiToken.class).inAnyNamespace())) {
        if (warmup > 0 && !backlog) {
          tokens.expectCount(warmup, IssuanceBenchmark::ready);
          cluster.createAll(
              BenchCluster.tokens(warmup, List.of("warmup")).stream()
                  .peek(t -> t.getMetadata().setName("warm-" + t.getMetadata().getName()))
                  .toList(),
              threads);
          tokens.await(Duration.ofMinutes(5));
        }
        if (!backlog) {
          Quiet.until(cluster.requests());
        }
        Map<String, Long> before = cluster.requests().snapshot();

        tokens.expectCount((backlog ? 0 : warmup) + count, IssuanceBenchmark::ready);
        CpuAccount cpu = new CpuAccount();
        cpu.start();
        long start = System.nanoTime();
        if (backlog) {
          cluster.startOperator();
        } else {
          cluster.createAll(BenchCluster.tokens(count, namespaces), threads);
        }
        long created = System.nanoTime();
        long allReady = tokens.await(Duration.ofMinutes(5));
        Quiet.until(cluster.requests());
        Map<String, Double> cpuMillis = cpu.stop();
        Map<String, Long> used = RequestCounter.difference(cluster.requests().snapshot(), before);

        double seconds = (allReady - start) / 1e9;
        System.out.printf(
            "IssuanceBenchmark (%s): %d ApiTokens in %d namespaces, %d client threads, warm-up %d,"
                + " %d CPUs%n",
            backlog ? "backlog: created before the operator starts" : "burst",
            count,
            namespaceCount,
            threads,
            backlog ? 0 : warmup,
            Runtime.getRuntime().availableProcessors());
        if (backlog) {
          System.out.printf("  operator start() returned  %8.0f ms%n", (created - start) / 1e6);
          System.out.printf("  operator start -> all Ready%8.0f ms%n", seconds * 1000);
        } else {
          System.out.printf("  creates sent in            %8.0f ms%n", (created - start) / 1e6);
          System.out.printf("  first create -> all Ready  %8.0f ms%n", seconds * 1000);
        }
        System.out.printf("  throughput                 %8.1f tokens/s%n", count / seconds);
        long total = RequestCounter.total(used);
        System.out.printf(
            "  operator API requests      %8d (%.2f per token%s)%n",
            total, (double) total / count, backlog ? ", start-up included" : "");
        used.forEach(
            (key, n) ->
                System.out.printf("    %-34s %7d  %6.3f/token%n", key, n, (double) n / count));
        System.out.println("  CPU time until the operator went quiet:");
        cpuMillis.forEach(
            (category, ms) ->
                System.out.printf(
                    "    %-34s %7.0f ms  %6.2f ms/token%n", category, ms, ms / count));
        double heapAll = BenchCluster.heapUsedMiB();
        cluster.stopOperator();
        double heapWithoutOperator = BenchCluster.heapUsedMiB();
        System.out.printf(
            "  heap used after GC         %8.1f MiB (operator + mock API + benchmark)%n", heapAll);
        System.out.printf(
            "  heap freed by stopping the operator %.1f MiB (the operator's own share)%n",
            heapAll - heapWithoutOperator);
      }
    }
    System.exit(0);
  }

  static boolean ready(ApiToken token) {
    return ConditionAssert.hasCondition(token, Conditions.READY, Conditions.TRUE);
  }
}
