package dev.apitoken.operator.bench;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.provider.StatusListProvider;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * End-to-end revocation latency over HTTP: from the {@code spec.revoked: true} patch to every
 * verifier that holds the token rejecting it.
 *
 * <p>The whole operator runs on the in-process mock API ({@link BenchCluster}, as {@code Main}
 * wires it) with its Status List provider on loopback. {@code bench.verifiers} (1,000) verifiers of
 * the verifier library follow the provider over HTTP (long-poll, one shared {@code HttpClient}, no
 * thread each); verifier {@code v} holds the token of ApiToken {@code v % bench.tokens}. Then the
 * ApiTokens are revoked one at a time ({@code bench.revocations}, 25), each timed from the patch
 * call to:
 *
 * <ul>
 *   <li>the copy in the operator's namespace marking the index (what the provider serves: the
 *       operator's reconcile, ledger write and publish round);
 *   <li>every copy in every target namespace marking it (the mounted path, up to the ConfigMap
 *       write; the kubelet's volume refresh, 60-90 s by default, comes on top and is outside the
 *       operator's control);
 *   <li>the first and the last verifier holding the token returning {@link Rejection#REVOKED} from
 *       {@code verify()} (the HTTP path, end to end);
 *   <li>every one of the verifiers holding a list issued after the patch (all of them reject the
 *       token then, whether they hold it or not).
 * </ul>
 *
 * <p>A probe sweeps the verifiers every millisecond: it reads the {@code iat} of the list each one
 * holds (a map lookup) and calls {@code verify()} only on holders whose list changed, so the probe
 * does not take the cores from the provider and the verifiers. Revocations are spaced until the
 * operator is quiet (at least 1.5 s), so every new list has a larger {@code iat} (seconds).
 * Operator, mock API, provider, verifiers and probe share one JVM and the machine's cores.
 *
 * <p>System properties: {@code bench.verifiers} (1000), {@code bench.tokens} (25), {@code
 * bench.revocations} (= tokens, at most tokens), {@code bench.namespaces} (20 target namespaces
 * besides the operator's).
 */
public final class EndToEndRevocationLatencyBenchmark {
  private EndToEndRevocationLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    // As Main does: on <= 2 CPUs the common pool would otherwise start a thread per async task.
    dev.apitoken.operator.Main.sizeCommonPool();
    int verifierCount = Integer.getInteger("bench.verifiers", 1000);
    int tokenCount = Integer.getInteger("bench.tokens", 25);
    int revocations = Math.min(tokenCount, Integer.getInteger("bench.revocations", tokenCount));
    int namespaceCount = Integer.getInteger("bench.namespaces", 20);
    Logger.getLogger(TokenVerifier.class.getName()).setLevel(Level.SEVERE);

    int port = freePort();
    String base = "http://127.0.0.1:" + port;
    String listUri = base + "/statuslist";
    List<String> namespaces = BenchCluster.namespaces("team", namespaceCount);
    int targets = namespaceCount + 1;
    try (BenchCluster cluster =
        new BenchCluster(
            "end-to-end-revocation-latency",
            "--status-list-uri=" + listUri,
            "--status-port=" + port)) {
      List<String> all = new ArrayList<>(namespaces);
      all.add(BenchCluster.OPERATOR_NAMESPACE);
      cluster.createNamespaces(all);
      cluster.startOperator();
      StatusListProvider provider = cluster.startStatusListProvider();
      try (Tracker<ApiToken> tokens =
              new Tracker<>(cluster.client().resources(ApiToken.class).inAnyNamespace());
          Tracker<ConfigMap> copies = TrustCopies.track(cluster.client());
          Tracker<ConfigMap> served =
              new Tracker<>(
                  cluster
                      .client()
                      .configMaps()
                      .inNamespace(BenchCluster.OPERATOR_NAMESPACE)
                      .withName(cluster.config().trustConfigMapName()))) {
        tokens.expectCount(tokenCount, IssuanceBenchmark::ready);
        cluster.createAll(BenchCluster.tokens(tokenCount, namespaces), 4);
        tokens.await(Duration.ofMinutes(5));
        List<ApiToken> ready = new ArrayList<>(tokens.snapshot().values());
        ready.sort(Comparator.comparing(t -> t.getMetadata().getName()));
        List<String> values = new ArrayList<>();
        for (ApiToken token : ready) {
          values.add(tokenValue(cluster, token));
        }

        double heapBefore = BenchCluster.heapUsedMiB();
        int threadsBefore = Thread.activeCount();
        List<TokenVerifier> verifiers = new ArrayList<>(verifierCount);
        for (int v = 0; v < verifierCount; v++) {
          verifiers.add(
              TokenVerifier.builder()
                  .trustUrl(URI.create(base))
                  .statusListUri(URI.create(listUri))
                  .expectedIssuer(cluster.config().issuer())
                  .build());
        }
        awaitUntil(
            () -> provider.waiters() >= verifierCount,
            Duration.ofMinutes(2),
            "every verifier long-polling");
        for (int v = 0; v < verifierCount; v++) {
          Verdict verdict = verifiers.get(v).verify(values.get(v % tokenCount));
          if (!verdict.isAccepted()) {
            throw new IllegalStateException("verifier " + v + " does not accept its token");
          }
        }
        double heapHeld = BenchCluster.heapUsedMiB() - heapBefore;
        int threadsAdded = Thread.activeCount() - threadsBefore;
        Quiet.until(cluster.requests());

        double[] servedMillis = new double[revocations];
        double[] mountedMillis = new double[revocations];
        double[] firstHolderMillis = new double[revocations];
        double[] lastHolderMillis = new double[revocations];
        double[] allVerifiersMillis = new double[revocations];
        List<Double> holderMillis = new ArrayList<>();
        double load = 0;
        Map<String, Long> cpuBefore = cpuByThreadGroup();
        CpuAccount account = new CpuAccount();
        account.start();
        long processCpuBefore = processCpuNanos();
        for (int r = 0; r < revocations; r++) {
          ApiToken token = ready.get(r);
          String value = values.get(r);
          List<Long> indices = TrustCopies.indices(token);
          List<Integer> holders = new ArrayList<>();
          for (int v = r; v < verifierCount; v += tokenCount) {
            holders.add(v);
          }
          Optional<Instant>[] before = heldIssuedAt(verifiers, listUri);
          copies.expectCount(targets, map -> TrustCopies.allRevoked(map, indices));
          served.expectCount(1, map -> TrustCopies.allRevoked(map, indices));
          load += ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

          long start = System.nanoTime();
          TrustCopies.revoke(cluster.client(), token);
          long[] rejectedAt = new long[verifierCount];
          long[] newListAt = new long[verifierCount];
          int holdersLeft = holders.size();
          int listsLeft = verifierCount;
          long deadline = start + Duration.ofSeconds(60).toNanos();
          while ((holdersLeft > 0 || listsLeft > 0) && System.nanoTime() < deadline) {
            for (int v = 0; v < verifierCount; v++) {
              if (newListAt[v] == 0
                  && !verifiers.get(v).statusListIssuedAt(listUri).equals(before[v])) {
                newListAt[v] = System.nanoTime();
                listsLeft--;
              }
            }
            for (int v : holders) {
              if (rejectedAt[v] == 0 && newListAt[v] != 0 && revoked(verifiers.get(v), value)) {
                rejectedAt[v] = System.nanoTime();
                holdersLeft--;
              }
            }
            // Not a spin: on 2 cores a spinning probe would take a core from the verifiers.
            Thread.sleep(1);
          }
          if (holdersLeft > 0 || listsLeft > 0) {
            throw new IllegalStateException(
                "revocation "
                    + r
                    + ": "
                    + holdersLeft
                    + " holders still accept the token, "
                    + listsLeft
                    + " verifiers hold no new list after 60 s");
          }
          servedMillis[r] = (served.await(Duration.ofMinutes(1)) - start) / 1e6;
          mountedMillis[r] = (copies.await(Duration.ofMinutes(1)) - start) / 1e6;
          long first = Long.MAX_VALUE;
          long last = 0;
          for (int v : holders) {
            first = Math.min(first, rejectedAt[v]);
            last = Math.max(last, rejectedAt[v]);
            holderMillis.add((rejectedAt[v] - start) / 1e6);
          }
          firstHolderMillis[r] = (first - start) / 1e6;
          lastHolderMillis[r] = (last - start) / 1e6;
          allVerifiersMillis[r] = (Arrays.stream(newListAt).max().orElse(start) - start) / 1e6;
          // Spaces revocations (>= 1.5 s) so the next list's iat (seconds) is larger.
          Quiet.until(cluster.requests());
          awaitUntil(
              () -> provider.waiters() >= verifierCount,
              Duration.ofSeconds(30),
              "every verifier long-polling again");
        }

        Map<String, Long> cpuAfter = cpuByThreadGroup();
        Map<String, Double> accounted = account.stop();
        long processCpu = processCpuNanos() - processCpuBefore;
        System.out.printf(
            "EndToEndRevocationLatencyBenchmark: %d revocations, %d verifiers over HTTP (long-poll,"
                + " shared client) on %d tokens, %d trust copies, %d CPUs, load average %.1f%n",
            revocations,
            verifierCount,
            tokenCount,
            targets,
            Runtime.getRuntime().availableProcessors(),
            load / revocations);
        System.out.printf(
            "  verifiers: %d long-polls parked at the provider; +%d threads, +%.1f MiB heap after GC"
                + " (verifiers and the provider's parked exchanges together)%n",
            provider.waiters(), threadsAdded, heapHeld);
        print("patch -> provider's copy (operator ns) INVALID", servedMillis);
        print("patch -> all " + targets + " mounted copies INVALID", mountedMillis);
        print("patch -> first holder rejects (verify)", firstHolderMillis);
        print("patch -> every holder rejects (verify)", lastHolderMillis);
        print("patch -> all " + verifierCount + " verifiers hold the new list", allVerifiersMillis);
        print(
            "patch -> each holder rejects, all holders pooled",
            holderMillis.stream().mapToDouble(Double::doubleValue).toArray());
        System.out.printf(
            "  CPU per revocation (whole phase, quiet gaps included): process %.0f ms; by thread:%n",
            processCpu / 1e6 / revocations);
        System.out.printf(
            "    (threads that ended, GC, JIT: %.0f ms; GC wall %.0f ms; threads started %.0f)%n",
            accounted.get("GC, JIT, short-lived threads") / revocations,
            accounted.get("(GC time, wall)") / revocations,
            accounted.get("(threads started, count)") / revocations);
        cpuAfter.entrySet().stream()
            .map(e -> Map.entry(e.getKey(), e.getValue() - cpuBefore.getOrDefault(e.getKey(), 0L)))
            .filter(e -> e.getValue() > 0)
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(12)
            .forEach(
                e ->
                    System.out.printf(
                        "    %-40s %6.1f ms%n", e.getKey(), e.getValue() / 1e6 / revocations));
        System.out.println(
            "  mounted path: the kubelet's refresh of a ConfigMap volume (60-90 s by default) comes"
                + " on top of the copy write and is outside the operator's control");
        verifiers.forEach(TokenVerifier::close);
      }
    }
    System.exit(0);
  }

  /** CPU time of the live threads, summed by name with its trailing number dropped. */
  private static Map<String, Long> cpuByThreadGroup() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> cpu = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null) {
        long used = threads.getThreadCpuTime(info.getThreadId());
        if (used > 0) {
          cpu.merge(info.getThreadName().replaceAll("[-#]?\\d+$", ""), used, Long::sum);
        }
      }
    }
    return cpu;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static boolean revoked(TokenVerifier verifier, String token) {
    return verifier.verify(token).rejection().filter(r -> r == Rejection.REVOKED).isPresent();
  }

  @SuppressWarnings("unchecked")
  private static Optional<Instant>[] heldIssuedAt(List<TokenVerifier> verifiers, String uri) {
    Optional<Instant>[] held = new Optional[verifiers.size()];
    for (int v = 0; v < held.length; v++) {
      held[v] = verifiers.get(v).statusListIssuedAt(uri);
    }
    return held;
  }

  private static void print(String what, double[] millis) {
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "  %-52s p50 %5.0f ms  p99 %5.0f ms  max %5.0f ms  (n=%d)%n",
        what,
        RevocationLatencyBenchmark.percentile(sorted, 50),
        RevocationLatencyBenchmark.percentile(sorted, 99),
        sorted[sorted.length - 1],
        sorted.length);
  }

  private static String tokenValue(BenchCluster cluster, ApiToken token) {
    Secret secret =
        cluster
            .client()
            .secrets()
            .inNamespace(token.getMetadata().getNamespace())
            .withName(token.getStatus().getSecretName())
            .get();
    return TokenSecretDependent.tokenValue(secret)
        .orElseThrow(() -> new IllegalStateException("no token in the Secret"));
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void awaitUntil(
      java.util.function.BooleanSupplier condition, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }
}
