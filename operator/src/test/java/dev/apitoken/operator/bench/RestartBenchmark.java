package dev.apitoken.operator.bench;

import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.IssuedToken;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An operator restart with {@code bench.tokens} (10,000) ApiTokens, spread over {@code
 * bench.namespaces} (10) namespaces: all are issued first, then the operator is stopped and a new
 * one (new client, new caches, new metrics) started against the same API. Measures, from the new
 * start: the time until every ApiToken has been reconciled (JOSDK's count of successful
 * reconciliations reaches the number of ApiTokens, and every one is Ready with its
 * observedGeneration current), and until the operator stops sending requests; reissues (the new
 * operator's {@code apitoken.tokens.issued} counter, and every ApiToken's issued tokens compared
 * before and after, must be 0); the operator's API requests; heap after GC.
 *
 * <p>Operator and mock API share this JVM, so the operator's heap is taken as a difference: heap
 * after GC with the restarted operator running, minus heap after GC with no operator running (the
 * mock API holding the same objects, and the driver), measured both just before the restart and
 * after stopping the restarted operator.
 *
 * <p>Setup only: the mock API scans every stored object on each request, so issuing slows with the
 * number of objects. With {@code bench.sweepEvents=true} the driver deletes the Events in the
 * benchmark namespaces every 10 s while issuing and once before the restart (a real API server
 * expires Events after an hour; none are read on restart). {@code bench.setupMinutes} bounds the
 * issuing phase (60).
 */
public final class RestartBenchmark {
  private RestartBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("bench.tokens", 10_000);
    int namespaceCount = Integer.getInteger("bench.namespaces", 10);
    int setupMinutes = Integer.getInteger("bench.setupMinutes", 60);
    boolean sweepEvents = Boolean.getBoolean("bench.sweepEvents");
    List<String> namespaces = BenchCluster.namespaces("apps", namespaceCount);

    try (BenchCluster cluster = new BenchCluster("restart")) {
      List<String> all = new java.util.ArrayList<>(namespaces);
      all.add(BenchCluster.OPERATOR_NAMESPACE);
      cluster.createNamespaces(all);
      cluster.startOperator();
      Map<String, List<Long>> issuedBefore;
      long issueStart = System.nanoTime();
      ScheduledExecutorService sweeper =
          Executors.newSingleThreadScheduledExecutor(BenchCluster.named("bench-sweep"));
      if (sweepEvents) {
        sweeper.scheduleWithFixedDelay(
            () -> deleteEvents(cluster, namespaces), 10, 10, TimeUnit.SECONDS);
      }
      try (Tracker<ApiToken> tokens =
          new Tracker<>(cluster.client().resources(ApiToken.class).inAnyNamespace())) {
        tokens.expectCount(count, IssuanceBenchmark::ready);
        cluster.createAll(BenchCluster.tokens(count, namespaces), 8);
        tokens.await(Duration.ofMinutes(setupMinutes));
      } finally {
        sweeper.shutdown();
        sweeper.awaitTermination(1, TimeUnit.MINUTES);
      }
      double issueSeconds = (System.nanoTime() - issueStart) / 1e9;
      Quiet.until(cluster.requests(), Duration.ofMinutes(setupMinutes));
      issuedBefore = issuedIndices(cluster);
      cluster.stopOperator();
      if (sweepEvents) {
        deleteEvents(cluster, namespaces);
      }
      double heapNoOperatorBefore = BenchCluster.heapUsedMiB();
      String loadAtRestart = loadAverage();

      Map<String, Long> before = cluster.requests().snapshot();
      long start = System.nanoTime();
      cluster.startOperator();
      long started = System.nanoTime();
      MeterRegistry registry = cluster.metrics().registry();
      // JOSDK counts about two reconciliations per ApiToken here (its own event and its Secret's),
      // so the count passing the number of ApiTokens does not prove each was reconciled: also note
      // when the count last grew (it must then stand still for 2 s).
      AtomicLong lastGrowth = new AtomicLong(start);
      AtomicLong lastCount = new AtomicLong();
      ScheduledExecutorService growth =
          Executors.newSingleThreadScheduledExecutor(BenchCluster.named("bench-growth"));
      growth.scheduleAtFixedRate(
          () -> {
            long now = (long) reconciled(registry);
            if (lastCount.getAndSet(now) != now) {
              lastGrowth.set(System.nanoTime());
            }
          },
          0,
          20,
          TimeUnit.MILLISECONDS);
      await()
          .pollInterval(Duration.ofMillis(20))
          .atMost(Duration.ofMinutes(30))
          .until(() -> reconciled(registry) >= count);
      long allReconciled = System.nanoTime();
      Quiet.until(cluster.requests(), Duration.ofMinutes(30));
      await()
          .pollInterval(Duration.ofMillis(100))
          .atMost(Duration.ofMinutes(30))
          .until(() -> System.nanoTime() - lastGrowth.get() > 2_000_000_000L);
      growth.shutdown();
      growth.awaitTermination(1, TimeUnit.MINUTES);
      // Quiet waits 1.5 s without a request; that wait is not the operator's.
      long quiet = System.nanoTime() - 1_500_000_000L;
      Map<String, Long> used = RequestCounter.difference(cluster.requests().snapshot(), before);

      Map<String, List<Long>> issuedAfter = issuedIndices(cluster);
      long notReady =
          cluster.client().resources(ApiToken.class).inAnyNamespace().list().getItems().stream()
              .filter(t -> !IssuanceBenchmark.ready(t) || !generationCurrent(t))
              .count();
      long changed =
          issuedBefore.keySet().stream()
              .filter(k -> !Objects.equals(issuedBefore.get(k), issuedAfter.get(k)))
              .count();
      double reissued = sum(registry, "apitoken.tokens.issued");

      System.out.printf(
          "RestartBenchmark: %,d ApiTokens in %d namespaces, %d CPUs%n",
          count, namespaceCount, Runtime.getRuntime().availableProcessors());
      System.out.printf(
          "  issued before the restart in %.1f s (%.0f tokens/s)%n",
          issueSeconds, count / issueSeconds);
      System.out.printf(
          "  restart: start() returned               %8.0f ms%n", (started - start) / 1e6);
      System.out.printf(
          "  restart: start -> %,d reconciliations done %8.0f ms%n",
          count, (allReconciled - start) / 1e6);
      System.out.printf(
          "  restart: start -> last reconciliation (count %d, then still for 2 s) %8.0f ms%n",
          lastCount.get(), (lastGrowth.get() - start) / 1e6);
      System.out.printf(
          "  restart: start -> operator quiet (last request) %8.0f ms%n", (quiet - start) / 1e6);
      System.out.printf(
          "  after restart: %d ApiTokens not Ready or with observedGeneration behind%n", notReady);
      System.out.printf(
          "  reissues during the restart: %.0f (tokens-issued metric); %d ApiTokens whose issued"
              + " tokens changed%n",
          reissued, changed);
      System.out.printf("  reconciliations counted by JOSDK: %.0f%n", reconciled(registry));
      long total = RequestCounter.total(used);
      System.out.printf(
          "  operator API requests during the restart: %d (%.3f per ApiToken)%n",
          total, (double) total / count);
      used.forEach(
          (key, n) ->
              System.out.printf("    %-34s %7d  %6.3f/token%n", key, n, (double) n / count));
      double heapAll = BenchCluster.heapUsedMiB();
      cluster.stopOperator();
      double heapWithout = BenchCluster.heapUsedMiB();
      System.out.printf(
          "  heap used after GC: %.1f MiB (operator + mock API holding %,d ApiTokens and Secrets"
              + " + benchmark)%n",
          heapAll, count);
      System.out.printf(
          "  heap used after GC without an operator: %.1f MiB before the restart, %.1f MiB after"
              + " stopping the restarted one%n",
          heapNoOperatorBefore, heapWithout);
      System.out.printf(
          "  operator's share (difference): %.1f MiB against the state before the restart,"
              + " %.1f MiB freed by stopping it%n",
          heapAll - heapNoOperatorBefore, heapAll - heapWithout);
      System.out.printf(
          "  load average when the restart began: %s; at the end: %s%n",
          loadAtRestart, loadAverage());
      System.out.printf("  Events deleted during setup: %s%n", sweepEvents);
    }
    System.exit(0);
  }

  /** The Events the operator posted (Normal "Issued"): setup only, see the class comment. */
  private static void deleteEvents(BenchCluster cluster, List<String> namespaces) {
    for (String ns : namespaces) {
      try {
        cluster.client().v1().events().inNamespace(ns).delete();
      } catch (RuntimeException e) {
        // The next sweep deletes what this one missed.
      }
    }
  }

  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException | RuntimeException e) {
      return String.format(
          "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static boolean generationCurrent(ApiToken token) {
    return token.getStatus() != null
        && Objects.equals(
            token.getStatus().getObservedGeneration(), token.getMetadata().getGeneration());
  }

  /** Indices of every token each ApiToken's status lists, by namespace/name. */
  private static Map<String, List<Long>> issuedIndices(BenchCluster cluster) {
    Map<String, List<Long>> issued = new HashMap<>();
    for (ApiToken t :
        cluster.client().resources(ApiToken.class).inAnyNamespace().list().getItems()) {
      issued.put(
          t.getMetadata().getNamespace() + "/" + t.getMetadata().getName(),
          t.getStatus().getTokens().stream().map(IssuedToken::getIndex).sorted().toList());
    }
    return issued;
  }

  /** Successful reconciliations JOSDK's Micrometer metrics have counted. */
  private static double reconciled(MeterRegistry registry) {
    return registry.getMeters().stream()
        .filter(m -> m.getId().getName().endsWith("reconciliations.success"))
        .filter(m -> m instanceof Counter)
        .mapToDouble(m -> ((Counter) m).count())
        .sum();
  }

  private static double sum(MeterRegistry registry, String name) {
    return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }
}
