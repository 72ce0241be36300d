package dev.apitoken.gateway.bench;

import static org.awaitility.Awaitility.await;

import dev.apitoken.gateway.Gateway;
import dev.apitoken.gateway.GatewayConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.DoubleStream;

/**
 * Requests per second and latency of the gateway's {@code /auth} endpoint, against a no-op baseline
 * on the same HTTP server setup, in one JVM, on loopback, at one concurrency for every scenario.
 * Prints a table; a scenario with any unexpected answer is marked, so a run that got 500s or 503s
 * cannot pass for a good number. See docs/PERFORMANCE.md, "Gateway", for the command.
 *
 * <p>Options: {@code --connections 16 --warmup 2 --seconds 5 --workers 1 --threads <gateway
 * default> --miss-tokens 20000 --miss-cache-size 1024 --rounds 1}; {@code --serve 60} instead
 * starts the servers, prints {@code wrk} commands against them and keeps them up that many seconds.
 */
public final class GatewayBenchmark {
  private static final String REQUIRED_HEADER = NoOpAuthServer.SUBJECT_HEADER;

  private GatewayBenchmark() {}

  /** One row of the table: what is sent, where, and the only status every answer may have. */
  private record Scenario(String name, Target target, List<String> authorizations, int expected) {}

  private enum Target {
    BASELINE,
    GATEWAY,
    GATEWAY_SMALL_CACHE
  }

  private record Row(Scenario scenario, Measured result, CacheLookups cache, Measured baseline) {
    double overhead() {
      return baseline.load().requestsPerSecond() / result.load().requestsPerSecond() - 1;
    }

    double cpuOverhead() {
      return result.cpuMicrosPerAnswer() / baseline.cpuMicrosPerAnswer() - 1;
    }
  }

  /** A run, and the server threads' CPU time and allocation per answer (warm-up included). */
  private record Measured(LoadResult load, double cpuMicrosPerAnswer, double kibPerAnswer) {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    BenchTrust trust = new BenchTrust();
    Path trustDirectory = Files.createTempDirectory("gateway-bench-trust");
    trust.writeTo(trustDirectory);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(trustDirectory)));
    List<String> missTokens = trust.distinctValid(options.missTokens);

    try (NoOpAuthServer baseline = NoOpAuthServer.start(options.threads);
        Gateway gateway = startGateway(trustDirectory, options.threads, options.cacheSize);
        Gateway smallCache = startGateway(trustDirectory, options.threads, options.missCacheSize)) {
      String valid = BenchTrust.bearer(trust.valid(1));
      awaitTrust(gateway, valid);
      awaitTrust(smallCache, valid);
      Map<Target, Integer> ports =
          Map.of(
              Target.BASELINE, baseline.port(),
              Target.GATEWAY, gateway.port(),
              Target.GATEWAY_SMALL_CACHE, smallCache.port());
      if (options.serveSeconds > 0) {
        serve(options, ports, valid);
        return;
      }
      List<Scenario> scenarios =
          List.of(
              new Scenario("valid, cache hit", Target.GATEWAY, List.of(valid), 200),
              new Scenario(
                  String.format(
                      "valid, cache miss (%,d tokens, cache %,d)",
                      options.missTokens, options.missCacheSize),
                  Target.GATEWAY_SMALL_CACHE,
                  missTokens.stream().map(BenchTrust::bearer).toList(),
                  200),
              new Scenario(
                  "invalid: bad signature",
                  Target.GATEWAY,
                  List.of(BenchTrust.bearer(trust.badSignature())),
                  401),
              new Scenario(
                  "invalid: garbage",
                  Target.GATEWAY,
                  List.of(BenchTrust.bearer(BenchTrust.garbage())),
                  401),
              new Scenario(
                  "revoked", Target.GATEWAY, List.of(BenchTrust.bearer(trust.revoked())), 401),
              new Scenario("no token", Target.GATEWAY, Collections.singletonList(null), 401));
      Scenario baselineScenario =
          new Scenario("baseline (no-op)", Target.BASELINE, List.of(valid), 200);

      printHeader(options);
      // One untimed pass over every code path first, so that no scenario pays for the JIT
      // compiling what the next ones share.
      runUntimed(options, ports.get(Target.BASELINE), baselineScenario);
      for (Scenario scenario : scenarios) {
        runUntimed(options, ports.get(scenario.target()), scenario);
      }
      List<Row> rows = new ArrayList<>();
      for (int round = 1; round <= options.rounds; round++) {
        for (Scenario scenario : scenarios) {
          // Each scenario runs right after its own baseline run: on a shared machine the load of
          // other processes drifts within a minute, so a single baseline would compare apples
          // with a different minute's apples.
          Measured baselineResult = measure(options, ports.get(Target.BASELINE), baselineScenario);
          Gateway measured = scenario.target() == Target.GATEWAY ? gateway : smallCache;
          CacheCounters before = CacheCounters.scrape(measured);
          Measured result = measure(options, ports.get(scenario.target()), scenario);
          CacheLookups cache = CacheCounters.scrape(measured).since(before);
          Row row = new Row(scenario, result, cache, baselineResult);
          rows.add(row);
          System.err.printf(
              "  round %d, %s: %,.0f/s, baseline %,.0f/s, overhead %+.0f%%, CPU %+.0f%%%n",
              round,
              scenario.name(),
              result.load().requestsPerSecond(),
              baselineResult.load().requestsPerSecond(),
              100 * row.overhead(),
              100 * row.cpuOverhead());
        }
      }
      printTable(rows, options.rounds);
    }
  }

  private static Measured measure(Options options, int port, Scenario scenario) {
    ServerThreads.Usage before = ServerThreads.usage();
    LoadResult load = run(options, port, scenario);
    ServerThreads.Usage used = ServerThreads.usage().since(before);
    double answers = Math.max(1, load.answersIncludingWarmUp());
    return new Measured(
        load, used.cpuNanos() / 1000.0 / answers, used.allocatedBytes() / 1024.0 / answers);
  }

  private static void runUntimed(Options options, int port, Scenario scenario) {
    Options pass = options.copy();
    pass.warmUp = Duration.ZERO;
    pass.measured = options.warmUp;
    run(pass, port, scenario);
  }

  private static LoadResult run(Options options, int port, Scenario scenario) {
    List<byte[]> requests =
        scenario.authorizations().stream()
            .map(authorization -> Requests.authRequest(port, authorization))
            .toList();
    return new LoadGenerator(
            loopback(port),
            new LoadGenerator.Options(
                options.connections, options.warmUp, options.measured, options.workers))
        .run(
            new LoadGenerator.Workload(
                requests, scenario.expected() == 200 ? REQUIRED_HEADER : null));
  }

  static Gateway startGateway(Path trustDirectory, int threads, int cacheSize) throws Exception {
    return Gateway.start(
        GatewayConfig.builder(BenchTrust.ISSUER)
            .port(0)
            .managementPort(0)
            .trustDirectory(trustDirectory)
            .threads(threads)
            .cacheSize(cacheSize)
            .build());
  }

  /** The gateway answers 503 until its trust has loaded; the benchmark starts after that. */
  static void awaitTrust(Gateway gateway, String authorization) {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/auth"))
            .header("Authorization", authorization)
            .header("X-Original-URL", "https://orders.example.com/orders/42")
            .build();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode(),
            status -> status == 200);
  }

  static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  private static void printHeader(Options options) throws IOException {
    System.out.printf(
        "Gateway benchmark %s: %d connections (closed loop, %d generator thread%s), server threads"
            + " %d, warm-up %d s + measured %d s per scenario, %d CPUs, JDK %s, load average"
            + " before: %s%n",
        Instant.now(),
        options.connections,
        options.workers,
        options.workers == 1 ? "" : "s",
        options.threads,
        options.warmUp.toSeconds(),
        options.measured.toSeconds(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        loadAverage());
  }

  /**
   * One line per scenario. Over several rounds: the median requests per second and overhead, and
   * percentiles of all rounds' latencies together.
   */
  private static void printTable(List<Row> rows, int rounds) throws IOException {
    Map<Scenario, List<Row>> byScenario = new LinkedHashMap<>();
    for (Row row : rows) {
      byScenario.computeIfAbsent(row.scenario(), scenario -> new ArrayList<>()).add(row);
    }
    System.out.println();
    System.out.println(
        "| scenario | rps | p50 ms | p99 ms | p99.9 ms | answers | cache hits | baseline rps |"
            + " baseline p50 / p99 ms | overhead (rps) | server CPU µs/req, baseline |"
            + " overhead (CPU) | KiB allocated/req, baseline |");
    System.out.println("|---|--:|--:|--:|--:|---|---|--:|--:|--:|--:|--:|--:|");
    boolean allCorrect = true;
    for (Map.Entry<Scenario, List<Row>> entry : byScenario.entrySet()) {
      Scenario scenario = entry.getKey();
      List<Row> runs = entry.getValue();
      LoadResult result = LoadResult.merge(runs.stream().map(row -> row.result().load()).toList());
      LoadResult baseline =
          LoadResult.merge(runs.stream().map(row -> row.baseline().load()).toList());
      long wrong = result.wrongAnswers(scenario.expected());
      long wrongBaseline = baseline.wrongAnswers(200);
      allCorrect &= wrong == 0 && wrongBaseline == 0 && result.answers() > 0;
      System.out.printf(
          "| %s | %,.0f | %.3f | %.3f | %.3f | %s | %s | %,.0f%s | %.3f / %.3f | %+.0f%% |"
              + " %.0f, %.0f | %+.0f%% | %.1f, %.1f |%n",
          scenario.name(),
          median(runs.stream().mapToDouble(row -> row.result().load().requestsPerSecond())),
          result.latencyMicros(50) / 1000,
          result.latencyMicros(99) / 1000,
          result.latencyMicros(99.9) / 1000,
          (wrong == 0 ? "" : "WRONG: ") + result.describeAnswers(),
          CacheLookups.sum(runs.stream().map(Row::cache).toList()),
          median(runs.stream().mapToDouble(row -> row.baseline().load().requestsPerSecond())),
          wrongBaseline == 0 ? "" : " WRONG: " + baseline.describeAnswers(),
          baseline.latencyMicros(50) / 1000,
          baseline.latencyMicros(99) / 1000,
          100 * median(runs.stream().mapToDouble(Row::overhead)),
          median(runs.stream().mapToDouble(row -> row.result().cpuMicrosPerAnswer())),
          median(runs.stream().mapToDouble(row -> row.baseline().cpuMicrosPerAnswer())),
          100 * median(runs.stream().mapToDouble(Row::cpuOverhead)),
          median(runs.stream().mapToDouble(row -> row.result().kibPerAnswer())),
          median(runs.stream().mapToDouble(row -> row.baseline().kibPerAnswer())));
    }
    System.out.println();
    System.out.printf(
        "overhead (rps) = rps of the no-op baseline run just before / rps of the scenario - 1: the"
            + " extra cost per request (target <= +20%%). overhead (CPU) = the same with the"
            + " server threads' CPU time per request (dispatcher and request pool, not GC/JIT),"
            + " which depends far less on other processes%s. Load average after: %s%n",
        rounds == 1 ? "" : ". rps, CPU and overheads: median of " + rounds + " rounds",
        loadAverage());
    if (!allCorrect) {
      System.out.println("SOME ANSWERS WERE NOT THE EXPECTED STATUS: the numbers above are void.");
      System.exit(1);
    }
  }

  private static double median(DoubleStream values) {
    double[] sorted = values.sorted().toArray();
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /**
   * Keeps the servers up for {@code wrk} and {@link LoadGeneratorMain}, at the same concurrency.
   */
  private static void serve(Options options, Map<Target, Integer> ports, String valid)
      throws IOException, InterruptedException {
    // A test token of a test key, in a file so that it stays out of the process list.
    Path authorization = Files.createTempFile("gateway-bench-authorization", ".txt");
    Files.writeString(authorization, valid);
    String originalUrl = "-H 'X-Original-URL: https://orders.example.com/orders/42'";
    System.out.printf(
        "Serving for %d s: baseline on %d, gateway on %d. At the same concurrency:%n"
            + "  wrk -t1 -c%d -d10s --latency %s 'http://127.0.0.1:%d/auth'%n"
            + "  wrk -t1 -c%d -d10s --latency %s -H \"Authorization: $(cat %s)\""
            + " 'http://127.0.0.1:%d/auth'%n"
            + "  java -cp \"$CP\" %s --connections %d --port %d [--authorization-file %s]%n",
        options.serveSeconds,
        ports.get(Target.BASELINE),
        ports.get(Target.GATEWAY),
        options.connections,
        originalUrl,
        ports.get(Target.BASELINE),
        options.connections,
        originalUrl,
        authorization,
        ports.get(Target.GATEWAY),
        LoadGeneratorMain.class.getName(),
        options.connections,
        ports.get(Target.BASELINE),
        authorization);
    Thread.sleep(Duration.ofSeconds(options.serveSeconds).toMillis());
    Files.delete(authorization);
  }

  private static void deleteQuietly(Path directory) {
    try (var files = Files.list(directory)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(directory);
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }

  private static String loadAverage() throws IOException {
    Path loadavg = Path.of("/proc/loadavg");
    return Files.exists(loadavg) ? Files.readString(loadavg).trim() : "unknown";
  }

  /** The gateway's cache counters from its /metrics, to show that hits were hits. */
  private record CacheCounters(OptionalLong hits, OptionalLong misses) {
    static CacheCounters scrape(Gateway gateway) throws IOException, InterruptedException {
      if (gateway == null) {
        return new CacheCounters(OptionalLong.empty(), OptionalLong.empty());
      }
      String metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + gateway.managementPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return new CacheCounters(
          counter(metrics, "apitoken_gateway_cache_hits_total"),
          counter(metrics, "apitoken_gateway_cache_misses_total"));
    }

    private static OptionalLong counter(String metrics, String name) {
      return metrics
          .lines()
          .filter(line -> line.startsWith(name + " "))
          .mapToLong(line -> (long) Double.parseDouble(line.substring(name.length() + 1).trim()))
          .findFirst();
    }

    CacheLookups since(CacheCounters before) {
      if (hits.isEmpty() || misses.isEmpty() || before.hits.isEmpty()) {
        return null;
      }
      long newHits = hits.getAsLong() - before.hits.getAsLong();
      return new CacheLookups(newHits, newHits + misses.getAsLong() - before.misses.getAsLong());
    }
  }

  /** Cache hits among the lookups of a run. */
  private record CacheLookups(long hits, long lookups) {
    /** For example {@code 99.9% of 160,000}, or {@code -} without a cache. */
    static String sum(List<CacheLookups> runs) {
      if (runs.contains(null)) {
        return "-";
      }
      long hits = runs.stream().mapToLong(CacheLookups::hits).sum();
      long lookups = runs.stream().mapToLong(CacheLookups::lookups).sum();
      return lookups == 0
          ? "no lookups"
          : String.format("%.1f%% of %,d", 100.0 * hits / lookups, lookups);
    }
  }

  private static final class Options {
    int connections = 16;
    int workers = 1;
    int threads = GatewayConfig.defaultThreads();
    int cacheSize = GatewayConfig.DEFAULT_CACHE_SIZE;
    int missTokens = 20_000;
    int missCacheSize = 1024;
    Duration warmUp = Duration.ofSeconds(2);
    Duration measured = Duration.ofSeconds(5);
    long serveSeconds;
    int rounds = 1;

    Options copy() {
      Options copy = new Options();
      copy.connections = connections;
      copy.workers = workers;
      copy.threads = threads;
      copy.cacheSize = cacheSize;
      copy.missTokens = missTokens;
      copy.missCacheSize = missCacheSize;
      copy.warmUp = warmUp;
      copy.measured = measured;
      copy.serveSeconds = serveSeconds;
      copy.rounds = rounds;
      return copy;
    }

    static Options parse(String[] args) {
      Options options = new Options();
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        String value = args[i + 1];
        switch (args[i]) {
          case "--connections" -> options.connections = Integer.parseInt(value);
          case "--workers" -> options.workers = Integer.parseInt(value);
          case "--threads" -> options.threads = Integer.parseInt(value);
          case "--cache-size" -> options.cacheSize = Integer.parseInt(value);
          case "--miss-tokens" -> options.missTokens = Integer.parseInt(value);
          case "--miss-cache-size" -> options.missCacheSize = Integer.parseInt(value);
          case "--warmup" -> options.warmUp = Duration.ofSeconds(Long.parseLong(value));
          case "--seconds" -> options.measured = Duration.ofSeconds(Long.parseLong(value));
          case "--serve" -> options.serveSeconds = Long.parseLong(value);
          case "--rounds" -> options.rounds = Integer.parseInt(value);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      return options;
    }
  }
}
