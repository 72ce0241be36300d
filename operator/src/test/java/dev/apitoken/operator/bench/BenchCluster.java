package dev.apitoken.operator.bench;

import dev.apitoken.operator.ApiTokenOperator;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.provider.PublishedFiles;
import dev.apitoken.operator.provider.StatusListProvider;
import dev.apitoken.operator.realapi.ChartRelease;
import dev.apitoken.operator.realapi.RealApiServer;
import dev.apitoken.operator.runtime.LogSetup;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.Fabric8ConfigMaps;
import dev.apitoken.operator.testing.ApiTokens;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator wired as in production ({@link ApiTokenOperator.Tuning#production()}, system clock,
 * INFO logs) against the in-process mock API (Fabric8's mock server in CRUD mode, as the demo's
 * embedded run uses). The operator gets its own client, instrumented with a {@link RequestCounter};
 * the benchmark drives and observes through a second, uninstrumented client (threads named
 * bench-*), so its own creates, patches and watches are never counted.
 *
 * <p>With {@code -Dbench.realapi=true}: against the real-API tests' etcd + kube-apiserver +
 * kube-controller-manager v1.20.2 ({@link RealApiServer}, separate processes) instead, the chart's
 * CRD and RBAC installed, the operator's client impersonating the chart's ServiceAccount.
 */
final class BenchCluster implements AutoCloseable {
  static final String OPERATOR_NAMESPACE = "apitoken-system";

  /**
   * The mock server logs every request at INFO. Held strongly: java.util.logging keeps loggers
   * weakly, so a level set on an unreferenced logger is lost at the first GC.
   */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static final boolean REAL_API = Boolean.getBoolean("bench.realapi");

  private final KubernetesMockServer apiServer;
  private final RealApiServer realApi;
  private final Config operatorClientConfig;
  private final KubernetesClient apiClient;
  private KubernetesClient operatorClient;
  private final KubernetesClient driverClient;
  private final RequestCounter requests = new RequestCounter();
  private final OperatorConfig config;
  private final PrintStream log;
  private ApiTokenOperator operator;
  private OperatorMetrics metrics;
  private PublishedFiles publishedFiles;
  private StatusListProvider statusListProvider;

  BenchCluster(String benchmark) {
    this(benchmark, new String[0]);
  }

  /** With {@code extraArgs} (command-line settings, {@code --name=value}) for the operator. */
  BenchCluster(String benchmark, String... extraArgs) {
    log = quietLogs(benchmark);
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    if (REAL_API) {
      apiServer = null;
      realApi = RealApiServer.start(Path.of("target", "realapi"));
      apiClient = realApi.adminClient();
      ChartRelease chart = ChartRelease.render("apitoken", OPERATOR_NAMESPACE).install(apiClient);
      operatorClientConfig = realApi.configAs(OPERATOR_NAMESPACE, chart.serviceAccount());
    } else {
      realApi = null;
      apiServer =
          new KubernetesMockServer(
              new Context(),
              new MockWebServer(),
              new HashMap<>(),
              new KubernetesCrudDispatcher(List.of()),
              false);
      apiServer.init();
      apiClient = apiServer.createClient();
      operatorClientConfig = apiClient.getConfiguration();
    }
    operatorClient = newOperatorClient();
    driverClient =
        new KubernetesClientBuilder()
            .withConfig(apiClient.getConfiguration())
            .withHttpClientFactory(new DriverHttpClientFactory())
            .withTaskExecutor(Executors.newCachedThreadPool(named("bench-watch")))
            .build();
    config =
        ConfigLoader.load(
            java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(
                        "--operator-namespace=" + OPERATOR_NAMESPACE, "--leader-election=false"),
                    java.util.Arrays.stream(extraArgs))
                .toArray(String[]::new),
            Map.of());
  }

  /** The operator's own client, counted; a new one for each start, as a restarted process has. */
  private KubernetesClient newOperatorClient() {
    return new KubernetesClientBuilder()
        .withConfig(operatorClientConfig)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("bench-count", requests))
        .build();
  }

  /**
   * Production log level (INFO, audit lines included), written to {@code target/bench-logs/} so the
   * console shows only the numbers. The cost of formatting and writing each line is still paid.
   */
  private static PrintStream quietLogs(String benchmark) {
    try {
      Path dir = Path.of("target", "bench-logs");
      Files.createDirectories(dir);
      Path file = dir.resolve(benchmark + ".log");
      PrintStream logFile =
          new PrintStream(
              new BufferedOutputStream(new FileOutputStream(file.toFile()), 1 << 16),
              false,
              StandardCharsets.UTF_8);
      PrintStream console = System.out;
      System.setOut(logFile);
      try {
        LogSetup.configure("text", "info");
      } finally {
        System.setOut(console);
      }
      return logFile;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Drives and observes; not counted, and its threads are named bench-* for {@link CpuAccount}. */
  KubernetesClient client() {
    return driverClient;
  }

  /** Same JDK client as the operator's; only its threads' names differ. */
  static final class DriverHttpClientFactory extends JdkHttpClientFactory {
    @Override
    protected void additionalConfig(java.net.http.HttpClient.Builder builder) {
      builder.executor(Executors.newCachedThreadPool(named("bench-http")));
    }
  }

  static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  RequestCounter requests() {
    return requests;
  }

  OperatorConfig config() {
    return config;
  }

  ApiTokenOperator operator() {
    return operator;
  }

  void createNamespaces(List<String> names) {
    for (String name : names) {
      client()
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .unlock()
          .createOr(NonDeletingOperation::update);
    }
  }

  /** The running (or last) operator's metrics. */
  OperatorMetrics metrics() {
    return metrics;
  }

  void startOperator() {
    if (operatorClient == null) {
      operatorClient = newOperatorClient();
    }
    metrics = new OperatorMetrics(new SimpleMeterRegistry(), Clock.systemUTC());
    operator =
        new ApiTokenOperator(
            operatorClient,
            config,
            ApiTokenOperator.Tuning.production(),
            Clock.systemUTC(),
            new SecureRandom(),
            metrics);
    operator.start();
  }

  /**
   * The Status List provider wired as {@code Main} wires it (the operator's client, its own watch
   * of the trust ConfigMaps, the configured port, ttl and waiter bound); closed with the cluster.
   */
  StatusListProvider startStatusListProvider() {
    publishedFiles =
        new PublishedFiles(
            new Fabric8ConfigMaps(operatorClient),
            config.operatorNamespace(),
            config.trustConfigMapName(),
            config.statusListUri());
    statusListProvider =
        StatusListProvider.start(
            config.statusPort(), publishedFiles, config.statusListTtl(), config.statusMaxWaiters());
    publishedFiles.start();
    return statusListProvider;
  }

  void stopOperator() {
    if (operator != null) {
      operator.close();
      operatorClient.close();
      operatorClient = null;
      operator = null;
    }
  }

  /** {@code count} ApiTokens named {@code bench-<i>}, round-robin over {@code namespaces}. */
  static List<ApiToken> tokens(int count, List<String> namespaces) {
    List<ApiToken> tokens = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      tokens.add(
          ApiTokens.named(String.format("bench-%04d", i))
              .in(namespaces.get(i % namespaces.size()))
              .build());
    }
    return tokens;
  }

  /**
   * Creates one ApiToken. A 409 means it exists: the client retried a create whose first attempt
   * was stored but answered too late (the mock API slows with the number of stored objects).
   */
  private void createOnce(ApiToken token) {
    try {
      client().resource(token).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /** Creates all of them from {@code threads} client threads at once; returns when all are in. */
  void createAll(List<ApiToken> tokens, int threads) {
    ExecutorService pool = Executors.newFixedThreadPool(threads, named("bench-create"));
    try {
      CompletableFuture.allOf(
              tokens.stream()
                  .map(t -> CompletableFuture.runAsync(() -> createOnce(t), pool))
                  .toArray(CompletableFuture[]::new))
          .join();
    } finally {
      pool.shutdown();
    }
  }

  /** Heap in use after a full collection, in MiB: this JVM holds operator and mock API alike. */
  static double heapUsedMiB() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
  }

  static List<String> namespaces(String prefix, int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(String.format("%s-%02d", prefix, i));
    }
    return names;
  }

  @Override
  public void close() {
    if (statusListProvider != null) {
      statusListProvider.close();
      publishedFiles.close();
    }
    stopOperator();
    if (operatorClient != null) {
      operatorClient.close();
    }
    driverClient.close();
    apiClient.close();
    if (realApi != null) {
      realApi.close();
    } else {
      apiServer.destroy();
    }
    log.flush();
  }
}
