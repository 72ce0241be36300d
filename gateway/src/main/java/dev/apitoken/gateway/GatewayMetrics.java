package dev.apitoken.gateway;

import dev.apitoken.verifier.VerifiedTokenCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The gateway's metrics, in Micrometer's Prometheus registry as the operator's are, with the JVM's
 * own (memory, GC, threads, classes, CPU, uptime). The names and labels are the ones the chart's
 * dashboards and docs/GATEWAY.md use; every endpoint/outcome pair exists from the start, at 0, so a
 * rate over it never starts from a missing series. Counting never waits on a scrape.
 */
final class GatewayMetrics {
  /** Prometheus text exposition format 0.0.4, which every Prometheus version scrapes. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /**
   * Upper bounds of the duration histogram, in seconds: a cache hit is well under a millisecond.
   */
  static final double[] BUCKETS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter[][] requests =
      new Counter[Endpoint.values().length][Outcome.values().length];
  private final Timer duration;
  private final Counter policyReloadsSucceeded;
  private final Counter policyReloadsFailed;

  /** What {@link #watch} reads at scrape time, held for as long as the meters are. */
  private BooleanSupplier trustReady;

  private Supplier<VerifiedTokenCache.Statistics> cache;

  GatewayMetrics() {
    for (Endpoint endpoint : Endpoint.values()) {
      for (Outcome outcome : Outcome.values()) {
        requests[endpoint.ordinal()][outcome.ordinal()] =
            Counter.builder("apitoken.gateway.requests")
                .description("Auth requests answered, by outcome.")
                .tag("endpoint", endpoint.label())
                .tag("outcome", outcome.label())
                .register(registry);
      }
    }
    duration =
        Timer.builder("apitoken.gateway.request.duration")
            .description("Time from receiving an auth request to answering it.")
            .serviceLevelObjectives(
                Arrays.stream(BUCKETS)
                    .mapToObj(s -> Duration.ofNanos(Math.round(s * 1e9)))
                    .toArray(Duration[]::new))
            .register(registry);
    policyReloadsSucceeded = policyReloads("succeeded");
    policyReloadsFailed = policyReloads("failed");
    new JvmMemoryMetrics().bindTo(registry);
    // Lives as long as the process: its GC listeners are only worth removing with the JVM.
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  private Counter policyReloads(String outcome) {
    return Counter.builder("apitoken.gateway.policy.reloads")
        .description("Policy file loads after a change; a failed one keeps the previous policy.")
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * The figures read at scrape time.
   *
   * @param trustReady whether the verifier holds usable trust now
   * @param cache the verified-token cache's figures (all zero while it is off)
   */
  void watch(BooleanSupplier trustReady, Supplier<VerifiedTokenCache.Statistics> cache) {
    // Held here: Micrometer holds a meter's state object weakly, and these lambdas have no other
    // holder, so a GC would turn the gauges into NaN (seen in CI: trust_ready NaN).
    this.trustReady = trustReady;
    this.cache = cache;
    Gauge.builder("apitoken.gateway.trust.ready", trustReady, t -> t.getAsBoolean() ? 1 : 0)
        .description("1 when keys and every followed status list are held and fresh, else 0.")
        .register(registry);
    FunctionCounter.builder("apitoken.gateway.cache.hits", cache, c -> c.get().hits())
        .description("Verified-token cache hits.")
        .register(registry);
    FunctionCounter.builder("apitoken.gateway.cache.misses", cache, c -> c.get().misses())
        .description("Verified-token cache misses.")
        .register(registry);
    Gauge.builder("apitoken.gateway.cache.entries", cache, c -> c.get().entries())
        .description("Verified tokens held in the cache.")
        .register(registry);
    Gauge.builder("apitoken.gateway.cache.hit.ratio", cache, c -> c.get().hitRatio())
        .description("Hits divided by lookups since start (0 before the first lookup).")
        .register(registry);
  }

  void recordRequest(Endpoint endpoint, Outcome outcome, long nanos) {
    requests[endpoint.ordinal()][outcome.ordinal()].increment();
    duration.record(nanos, TimeUnit.NANOSECONDS);
  }

  void recordPolicyReload(boolean succeeded) {
    (succeeded ? policyReloadsSucceeded : policyReloadsFailed).increment();
  }

  long requests(Endpoint endpoint, Outcome outcome) {
    return (long) requests[endpoint.ordinal()][outcome.ordinal()].count();
  }

  /** The Prometheus text exposition ({@link #CONTENT_TYPE}). */
  String render() {
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
    try {
      registry.scrape(body, CONTENT_TYPE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return body.toString(StandardCharsets.UTF_8);
  }
}
