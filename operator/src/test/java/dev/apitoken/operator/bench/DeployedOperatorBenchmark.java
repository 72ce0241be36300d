package dev.apitoken.operator.bench;

import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.realapi.AuditLog;
import dev.apitoken.operator.realapi.ChartRelease;
import dev.apitoken.operator.realapi.OperatorProcess;
import dev.apitoken.operator.realapi.RealApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The operator as deployed: the shipped jar in its own JVM with the chart's JVM ({@link
 * OperatorProcess#CHART_JVM_FLAGS}), leader election on, acting as the chart's ServiceAccount
 * against the real API server (etcd + kube-apiserver + kube-controller-manager v1.20.2, {@link
 * RealApiServer}) with the chart's CRD and RBAC. The driver (this JVM) creates and watches as
 * admin, which the audit log does not record: every request counted is the operator's.
 *
 * <ol>
 *   <li><b>Ceiling</b>, before the operator starts: the server's rate for the same writes per
 *       ApiToken made by a bare client ({@code bench.ceiling}, 1,000 ApiTokens; 0 skips), with the
 *       CPU split below.
 *   <li><b>Issuance</b>, {@code bench.bursts} (2) times, the first on a cold JVM: {@code
 *       bench.tokens} (1,000) ApiTokens in 10 namespaces created from 8 threads; first create to
 *       all Ready (seen through a watch); JOSDK's successful reconciliations; the operator's
 *       requests by verb and resource from the audit log; CPU (utime+stime from /proc) of the
 *       operator (and by thread), the API server, etcd, the controller manager and the driver; the
 *       operator's RSS (VmRSS, VmHWM).
 *   <li><b>Restart</b> ({@code bench.restart.tokens}, 10,000; 0 skips): the rest of the ApiTokens
 *       issued, the operator stopped with SIGTERM and a new process started; time to ready and to
 *       every ApiToken reconciled (JOSDK's success count, then still for 2 s), reissues ({@code
 *       apitoken_tokens_issued_total}, Secret writes in the audit log, every ApiToken's issued
 *       indices compared), requests, CPU and RSS.
 * </ol>
 *
 * <p>Every section prints the load average before and after it: the machine may be shared.
 *
 * <p>{@code bench.jvmFlags}: extra flags for the operator's JVM, space-separated; {@code
 * bench.threads}: the driver's create threads (8).
 */
public final class DeployedOperatorBenchmark {
  private static final String OPERATOR_NAMESPACE = "apitoken-system";
  private static final int THREADS = Integer.getInteger("bench.threads", 8);

  private DeployedOperatorBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("bench.tokens", 1000);
    int restartCount = Integer.getInteger("bench.restart.tokens", 10_000);
    int ceilingCount = Integer.getInteger("bench.ceiling", 1000);
    int bursts = Integer.getInteger("bench.bursts", 2);
    List<String> jvmFlags = new ArrayList<>(OperatorProcess.CHART_JVM_FLAGS);
    String extra = System.getProperty("bench.jvmFlags", "").strip();
    if (!extra.isEmpty()) {
      jvmFlags.addAll(Arrays.asList(extra.split("\\s+")));
    }
    List<String> namespaces = BenchCluster.namespaces("apps", 10);

    try (RealApiServer server = RealApiServer.start(Path.of("target", "realapi"));
        KubernetesClient admin = server.adminClient()) {
      ChartRelease chart = ChartRelease.render("apitoken", OPERATOR_NAMESPACE).install(admin);
      List<String> all = new ArrayList<>(namespaces);
      all.add("ceiling");
      for (String ns : all) {
        admin
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .unlock()
            .createOr(NonDeletingOperation::update);
      }
      List<ProcStat> servers =
          List.of(
              ProcStat.child("kube-apiserver").orElseThrow(),
              ProcStat.child("etcd").orElseThrow(),
              ProcStat.child("kube-controller-manager").orElseThrow(),
              ProcStat.self());
      AuditTail audit = new AuditTail(server.auditLog());
      System.out.printf(
          "DeployedOperatorBenchmark: %s, operator JVM flags %s, %d CPUs%n",
          RealApiServer.VERSION, jvmFlags, Runtime.getRuntime().availableProcessors());

      if (ceilingCount > 0) {
        ceiling(admin, servers, ceilingCount);
      }

      OperatorProcess operator = OperatorProcess.start(server, chart, "bench-1", jvmFlags);
      try (Tracker<ApiToken> tokens =
          new Tracker<>(admin.resources(ApiToken.class).inAnyNamespace())) {
        long launched = System.nanoTime();
        awaitLeader(operator);
        System.out.printf(
            "  operator JVM launch -> ready as leader: %.0f ms%n", millisSince(launched));
        audit.awaitQuiet();

        // 1. Issuance, in bursts: the first on a cold JVM, as after a deployment
        List<ApiToken> allTokens =
            BenchCluster.tokens(Math.max(restartCount, count * bursts), namespaces);
        for (int burst = 1; burst <= bursts; burst++) {
          String load = ProcStat.loadAverage();
          int mark = AuditLog.read(server.auditLog()).size();
          Map<String, Double> cpu = cpu(servers, operator);
          Map<String, Double> threads = new ProcStat(operator.pid(), "operator").threadCpuMillis();
          double reconciledBefore = reconciled(operator.metrics());
          tokens.expectCount(count * burst, IssuanceBenchmark::ready);
          long start = System.nanoTime();
          createAll(admin, allTokens.subList(count * (burst - 1), count * burst), THREADS);
          long created = System.nanoTime();
          long allReady = tokens.await(Duration.ofMinutes(10));
          audit.awaitQuiet();
          double seconds = (allReady - start) / 1e9;
          System.out.printf(
              "%n1.%d Issuance, %s JVM: %,d ApiTokens in %d namespaces from %d threads (load"
                  + " average before: %s, after: %s)%n",
              burst,
              burst == 1 ? "cold" : "warm",
              count,
              namespaces.size(),
              THREADS,
              load,
              ProcStat.loadAverage());
          System.out.printf("  creates sent in              %8.0f ms%n", (created - start) / 1e6);
          System.out.printf("  first create -> all Ready    %8.0f ms%n", seconds * 1000);
          System.out.printf("  throughput                   %8.1f tokens/s%n", count / seconds);
          System.out.printf(
              "  successful reconciliations   %8.0f (JOSDK's count)%n",
              reconciled(operator.metrics()) - reconciledBefore);
          printRequests(since(server, mark), count);
          Map<String, Double> cpuAfter = cpu(servers, operator);
          printCpu(cpu, cpuAfter, count, "token");
          printThreads(
              threads,
              new ProcStat(operator.pid(), "operator").threadCpuMillis(),
              cpuAfter.get("operator") - cpu.get("operator"),
              count);
          printMemory(operator);
        }

        // 3. Restart
        int issued = count * bursts;
        if (restartCount > issued) {
          String load = ProcStat.loadAverage();
          tokens.expectCount(restartCount, IssuanceBenchmark::ready);
          long start = System.nanoTime();
          createAll(admin, allTokens.subList(issued, restartCount), THREADS);
          long allReady = tokens.await(Duration.ofMinutes(30));
          audit.awaitQuiet();
          double seconds = (allReady - start) / 1e9;
          System.out.printf(
              "%n3. Restart with %,d ApiTokens. Issuing the other %,d first: %.1f s, %.1f"
                  + " tokens/s (load average before: %s, after: %s)%n",
              restartCount,
              restartCount - issued,
              seconds,
              (restartCount - issued) / seconds,
              load,
              ProcStat.loadAverage());
          printMemory(operator);
          Map<String, List<Long>> issuedBefore = issuedIndices(tokens);
          long stopping = System.nanoTime();
          boolean exited = operator.terminate(Duration.ofSeconds(30));
          System.out.printf(
              "  SIGTERM -> exit: %s in %.0f ms%n",
              exited ? "exited" : "STILL RUNNING", millisSince(stopping));
          operator.close();

          load = ProcStat.loadAverage();
          int mark = AuditLog.read(server.auditLog()).size();
          OperatorProcess restarted = OperatorProcess.start(server, chart, "bench-2", jvmFlags);
          operator = restarted;
          Map<String, Double> cpu = cpu(servers, restarted);
          long restart = System.nanoTime();
          awaitLeader(restarted);
          double toLeader = millisSince(restart);
          AtomicLong lastGrowth = new AtomicLong(System.nanoTime());
          double[] lastCount = {0};
          await()
              .pollInterval(Duration.ofMillis(100))
              .atMost(Duration.ofMinutes(30))
              .until(
                  () -> {
                    double now = reconciled(restarted.metrics());
                    if (now != lastCount[0]) {
                      lastCount[0] = now;
                      lastGrowth.set(System.nanoTime());
                    }
                    return now >= restartCount
                        && System.nanoTime() - lastGrowth.get() > 2_000_000_000L;
                  });
          double toReconciled = (lastGrowth.get() - restart) / 1e6;
          audit.awaitQuiet();
          String metrics = restarted.metrics();
          List<AuditLog.Event> events = since(server, mark);
          long secretWrites =
              events.stream()
                  .filter(e -> e.resource().equals("secrets"))
                  .filter(e -> !e.namespace().equals(OPERATOR_NAMESPACE))
                  .filter(e -> !e.verb().equals("get") && !e.verb().startsWith("list"))
                  .filter(e -> !e.verb().equals("watch"))
                  .count();
          Map<String, List<Long>> issuedAfter = issuedIndices(tokens);
          long changed =
              issuedBefore.keySet().stream()
                  .filter(k -> !Objects.equals(issuedBefore.get(k), issuedAfter.get(k)))
                  .count();
          System.out.printf(
              "  restart (load average before: %s, after: %s)%n", load, ProcStat.loadAverage());
          System.out.printf("  new JVM launch -> ready as leader          %8.0f ms%n", toLeader);
          System.out.printf(
              "  new JVM launch -> all reconciled (%.0f successful reconciliations, the last one"
                  + " 2 s before this was seen) %8.0f ms%n",
              lastCount[0], toReconciled);
          System.out.printf(
              "  reissues: apitoken_tokens_issued_total %.0f; Secret writes in the ApiTokens'"
                  + " namespaces %d; ApiTokens whose issued tokens changed %d of %d%n",
              OperatorProcess.sum(metrics, "apitoken_tokens_issued_total"),
              secretWrites,
              changed,
              issuedBefore.size());
          printRequests(events, restartCount);
          printCpu(cpu, cpu(servers, restarted), restartCount, "ApiToken");
          printMemory(restarted);
        }
      } finally {
        operator.terminate(Duration.ofSeconds(15));
        operator.close();
      }
    }
    System.exit(0);
  }

  private static double millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e6;
  }

  private static void awaitLeader(OperatorProcess operator) {
    await("the operator leads and is ready (log " + operator.log() + ")")
        .pollInterval(Duration.ofMillis(50))
        .atMost(Duration.ofMinutes(3))
        .until(() -> operator.isAlive() && operator.readyAsLeader());
  }

  private static List<AuditLog.Event> since(RealApiServer server, int mark) {
    List<AuditLog.Event> events = AuditLog.read(server.auditLog());
    return events.subList(mark, events.size());
  }

  /** JOSDK's successful reconciliations, all controllers. */
  private static double reconciled(String metrics) {
    double sum = 0;
    for (String line : metrics.split("\n")) {
      if (!line.startsWith("#") && line.contains("reconciliations_success")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static Map<String, Double> cpu(List<ProcStat> servers, OperatorProcess operator) {
    Map<String, Double> cpu = new LinkedHashMap<>();
    if (operator != null) {
      cpu.put("operator", new ProcStat(operator.pid(), "operator").cpuMillis());
    }
    for (ProcStat p : servers) {
      cpu.put(p.name(), p.cpuMillis());
    }
    return cpu;
  }

  private static void printCpu(
      Map<String, Double> before, Map<String, Double> after, int per, String unit) {
    double total = 0;
    System.out.printf("  CPU (utime+stime from /proc), ms and ms per %s:%n", unit);
    for (var e : after.entrySet()) {
      double used = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
      total += used;
      System.out.printf("    %-24s %8.0f ms  %6.2f ms/%s%n", e.getKey(), used, used / per, unit);
    }
    System.out.printf("    %-24s %8.0f ms  %6.2f ms/%s%n", "all", total, total / per, unit);
  }

  /** The operator's CPU by thread group, largest first; "exited threads" is the remainder. */
  private static void printThreads(
      Map<String, Double> before, Map<String, Double> after, double processMillis, int per) {
    Map<String, Double> used = new HashMap<>();
    after.forEach((name, ms) -> used.put(name, ms - before.getOrDefault(name, 0.0)));
    double live = used.values().stream().mapToDouble(Double::doubleValue).sum();
    used.put("(threads that exited)", processMillis - live);
    System.out.println("  operator CPU by thread:");
    used.entrySet().stream()
        .filter(e -> e.getValue() >= 0.01 * processMillis)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(
            e ->
                System.out.printf(
                    "    %-30s %8.0f ms  %6.2f ms/token%n",
                    e.getKey(), e.getValue(), e.getValue() / per));
  }

  private static void printMemory(OperatorProcess operator) {
    ProcStat p = new ProcStat(operator.pid(), "operator");
    System.out.printf(
        "  operator RSS %.0f MiB now, peak (VmHWM) %.0f MiB; the chart's limit %d MiB%n",
        p.rssMiB(), p.peakRssMiB(), OperatorProcess.CHART_MEMORY_LIMIT_BYTES >> 20);
  }

  private static void printRequests(List<AuditLog.Event> events, int per) {
    Map<String, Long> byKind = new TreeMap<>();
    for (AuditLog.Event e : events) {
      String where =
          e.namespace().isEmpty()
              ? "cluster"
              : e.namespace().equals(OPERATOR_NAMESPACE) ? OPERATOR_NAMESPACE : "ApiToken ns";
      byKind.merge(e.verb() + " " + e.rbacResource() + " (" + where + ")", 1L, Long::sum);
    }
    long leases = events.stream().filter(e -> e.resource().equals("leases")).count();
    System.out.printf(
        "  operator API requests (audit log): %d, %.2f per %s; without the Lease's %d: %.2f%n",
        events.size(),
        (double) events.size() / per,
        "ApiToken",
        leases,
        (double) (events.size() - leases) / per);
    byKind.forEach(
        (k, n) -> System.out.printf("    %-58s %7d  %6.3f/ApiToken%n", k, n, (double) n / per));
  }

  /**
   * Every ApiToken's issued indices, by namespace/name, from the driver's watch: a list of 10,000
   * ApiTokens can outlast the client's request timeout on a loaded machine.
   */
  private static Map<String, List<Long>> issuedIndices(Tracker<ApiToken> tokens) {
    Map<String, List<Long>> issued = new HashMap<>();
    tokens
        .snapshot()
        .forEach(
            (key, t) ->
                issued.put(
                    key,
                    t.getStatus() == null
                        ? List.of()
                        : t.getStatus().getTokens().stream()
                            .map(IssuedToken::getIndex)
                            .sorted()
                            .toList()));
    return issued;
  }

  private static void createAll(KubernetesClient admin, List<ApiToken> tokens, int threads) {
    inParallel(
        tokens,
        threads,
        t -> {
          try {
            admin.resource(t).create();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
              throw e;
            }
          }
        });
  }

  /**
   * What the API server can do for this request mix without the operator: before the operator runs,
   * one bare client (the driver's) makes, for each of {@code count} ApiTokens, the driver's create
   * plus the four writes the operator makes for it (a metadata merge patch as the finalizer's, a
   * Secret create, a status update, an Event create) from {@link #THREADS} threads, while the
   * driver watches the ApiTokens as in the benchmark. The ApiTokens are deleted again before the
   * operator starts.
   */
  private static void ceiling(KubernetesClient admin, List<ProcStat> servers, int count)
      throws InterruptedException {
    List<Integer> indices = java.util.stream.IntStream.range(0, count).boxed().toList();
    String load = ProcStat.loadAverage();
    Map<String, Double> cpu = cpu(servers, null);
    long start;
    try (Tracker<ApiToken> watch =
        new Tracker<>(admin.resources(ApiToken.class).inAnyNamespace())) {
      start = System.nanoTime();
      inParallel(indices, THREADS, i -> ceilingToken(admin, i));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "%nCeiling, no operator running: a bare client makes the writes of %,d ApiTokens (create,"
            + " metadata patch, Secret create, status update, Event create) from %d threads (load"
            + " average before: %s, after: %s)%n",
        count, THREADS, load, ProcStat.loadAverage());
    System.out.printf(
        "  %.0f ms: %.1f ApiTokens/s, %.0f writes/s%n",
        seconds * 1000, count / seconds, 5 * count / seconds);
    printCpu(cpu, cpu(servers, null), count, "token");
    admin.resources(ApiToken.class).inNamespace("ceiling").delete();
    admin.secrets().inNamespace("ceiling").delete();
    admin.v1().events().inNamespace("ceiling").delete();
    await()
        .atMost(Duration.ofMinutes(5))
        .until(
            () ->
                admin.resources(ApiToken.class).inNamespace("ceiling").list().getItems().isEmpty());
  }

  private static void ceilingToken(KubernetesClient admin, int i) {
    String name = String.format("ceiling-%05d", i);
    ApiToken token =
        admin
            .resource(dev.apitoken.operator.testing.ApiTokens.named(name).in("ceiling").build())
            .create();
    token =
        admin
            .resources(ApiToken.class)
            .inNamespace("ceiling")
            .withName(name)
            .patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"metadata\":{\"labels\":{\"bench-patched\":\"true\"}}}");
    admin
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name + "-token")
                .withNamespace("ceiling")
                .addToLabels("app.kubernetes.io/managed-by", "bench")
                .addToAnnotations("apitoken.dev/jti", java.util.UUID.randomUUID().toString())
                .endMetadata()
                .withType("Opaque")
                .addToData("token", java.util.Base64.getEncoder().encodeToString(new byte[300]))
                .build())
        .create();
    dev.apitoken.operator.api.ApiTokenStatus status =
        new dev.apitoken.operator.api.ApiTokenStatus();
    status.setObservedGeneration(token.getMetadata().getGeneration());
    status.setSecretName(name + "-token");
    status.setJti(java.util.UUID.randomUUID().toString());
    status.setExpiresAt("2027-01-01T00:00:00Z");
    for (String type : List.of("Ready", "Issued", "Reconciling", "Stalled")) {
      status
          .getConditions()
          .add(
              new io.fabric8.kubernetes.api.model.ConditionBuilder()
                  .withType(type)
                  .withStatus("True")
                  .withReason("Issued")
                  .withMessage("the ApiToken is in the state its spec asks for")
                  .withLastTransitionTime("2026-12-08T00:00:00Z")
                  .withObservedGeneration(1L)
                  .build());
    }
    token.setStatus(status);
    admin.resource(token).updateStatus();
    admin
        .v1()
        .events()
        .inNamespace("ceiling")
        .resource(
            new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata()
                .withGenerateName(name + ".")
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion(token.getApiVersion())
                .withKind(token.getKind())
                .withName(name)
                .withNamespace("ceiling")
                .withUid(token.getMetadata().getUid())
                .endInvolvedObject()
                .withType("Normal")
                .withReason("TokenIssued")
                .withMessage("issued a token")
                .withFirstTimestamp("2026-12-08T00:00:00Z")
                .withLastTimestamp("2026-12-08T00:00:00Z")
                .withCount(1)
                .build())
        .create();
  }

  private static <T> void inParallel(List<T> items, int threads, Consumer<T> action) {
    ExecutorService pool =
        Executors.newFixedThreadPool(threads, BenchCluster.named("bench-create"));
    try {
      CompletableFuture.allOf(
              items.stream()
                  .map(t -> CompletableFuture.runAsync(() -> action.accept(t), pool))
                  .toArray(CompletableFuture[]::new))
          .join();
    } finally {
      pool.shutdown();
    }
  }

  /** Follows the audit log; quiet means no request but the Lease's for 1.5 s. */
  private static final class AuditTail {
    private final Path file;
    private long offset;

    AuditTail(Path file) {
      this.file = file;
    }

    void awaitQuiet() {
      AtomicLong lastActivity = new AtomicLong(System.nanoTime());
      await()
          .pollInterval(Duration.ofMillis(100))
          .atMost(Duration.ofMinutes(30))
          .until(
              () -> {
                if (newNonLeaseLines() > 0) {
                  lastActivity.set(System.nanoTime());
                }
                return System.nanoTime() - lastActivity.get() > 1_500_000_000L;
              });
    }

    private int newNonLeaseLines() throws IOException {
      if (!file.toFile().exists()) {
        return 0;
      }
      try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
        long length = in.length();
        if (length <= offset) {
          return 0;
        }
        byte[] bytes = new byte[(int) (length - offset)];
        in.seek(offset);
        in.readFully(bytes);
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
          return 0;
        }
        offset += text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
        int n = 0;
        for (String line : text.substring(0, end).split("\n")) {
          if (!line.contains("\"resource\":\"leases\"")) {
            n++;
          }
        }
        return n;
      }
    }
  }
}
