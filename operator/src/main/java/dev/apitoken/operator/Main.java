package dev.apitoken.operator;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.InvalidConfigException;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.provider.PublishedFiles;
import dev.apitoken.operator.provider.StatusListProvider;
import dev.apitoken.operator.runtime.ApiServerClock;
import dev.apitoken.operator.runtime.ApiServerDates;
import dev.apitoken.operator.runtime.HttpEndpoints;
import dev.apitoken.operator.runtime.LogSetup;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.runtime.OperatorReadiness;
import dev.apitoken.operator.store.Fabric8ConfigMaps;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the operator against the cluster the environment points at (in-cluster or kubeconfig). */
public final class Main {
  private Main() {}

  /**
   * On one or two CPUs the JDK's common pool has parallelism 1, and then every async HTTP
   * completion of the Kubernetes client runs on a new thread (thousands per burst). Two threads are
   * enough; an explicit setting wins. Must run before anything touches the common pool.
   */
  public static void sizeCommonPool() {
    String property = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(property) == null && Runtime.getRuntime().availableProcessors() <= 2) {
      System.setProperty(property, "2");
    }
  }

  public static void main(String[] args) {
    sizeCommonPool();
    OperatorConfig config;
    try {
      config = ConfigLoader.load(args, System.getenv());
    } catch (InvalidConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    LogSetup.configure(config.logFormat(), config.logLevel());
    Logger log = LoggerFactory.getLogger(Main.class);

    // Signing times never ahead of the API server's: verifiers refuse an iat in their future.
    ApiServerClock clock = new ApiServerClock(Clock.systemUTC());
    PrometheusMeterRegistry registry = OperatorMetrics.prometheusRegistry();
    OperatorMetrics metrics = new OperatorMetrics(registry, clock);
    metrics.clockAhead(clock::ahead);
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withHttpClientBuilderConsumer(
                http ->
                    http.addOrReplaceInterceptor(ApiServerDates.NAME, new ApiServerDates(clock)))
            .build();
    ApiTokenOperator operator =
        new ApiTokenOperator(
            client,
            config,
            ApiTokenOperator.Tuning.production(),
            clock,
            new SecureRandom(),
            metrics);
    OperatorReadiness readiness = new OperatorReadiness(operator);
    // Up before start-up so the startup probe sees a live process while informers sync.
    HttpEndpoints http = HttpEndpoints.start(config.httpPort(), readiness, registry);
    // Every replica serves the Status List Tokens it sees, leader or not.
    PublishedFiles published =
        new PublishedFiles(
            new Fabric8ConfigMaps(client),
            config.operatorNamespace(),
            config.trustConfigMapName(),
            config.statusListUri());
    StatusListProvider statusLists =
        StatusListProvider.start(
            config.statusPort(), published, config.statusListTtl(), config.statusMaxWaiters());
    metrics.statusListProvider(
        statusLists::waiters, statusLists::refusedLongPolls, statusLists::notModifiedResponses);
    published.start();

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("{}", kv("event", "stopping"));
                  readiness.markStopping();
                  try {
                    // Stops informers, then waits for in-flight reconciliations, then releases
                    // the Lease.
                    operator.close();
                    client.close();
                  } catch (RuntimeException e) {
                    log.warn(
                        "{} {}", kv("event", "stop_failed"), kv("error", Failures.describe(e)));
                  } finally {
                    statusLists.close();
                    published.close();
                    // Last, so probes keep answering (ready=false, live=true) while stopping.
                    http.close();
                    registry.close();
                    log.info("{}", kv("event", "stopped"));
                  }
                },
                "shutdown"));
    try {
      operator.start();
    } catch (RuntimeException e) {
      log.error("{} {}", kv("event", "start_failed"), kv("error", Failures.describe(e)));
      System.exit(1);
      return;
    }
    readiness.markStarted();
  }
}
