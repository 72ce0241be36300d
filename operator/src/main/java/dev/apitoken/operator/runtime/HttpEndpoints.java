package dev.apitoken.operator.runtime;

import static net.logstash.logback.argument.StructuredArguments.kv;

import com.sun.net.httpserver.HttpExchange;
import dev.apitoken.http.HttpService;
import dev.apitoken.operator.kubernetes.Failures;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's one HTTP port: {@code /healthz} (liveness), {@code /readyz} (readiness) and {@code
 * /metrics} (Prometheus text format), on the JDK's built-in server.
 *
 * <p>Threads are bounded twice over: a small pool serves requests (when it is full the accepting
 * thread serves the request itself, which slows accepting instead of queueing without limit), and
 * each probe check runs on its own single thread with a deadline, so a check stuck behind a lock
 * answers 503 in time instead of holding a request thread until the kubelet gives up.
 */
public final class HttpEndpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);

  /** Prometheus text exposition format 0.0.4, which every Prometheus version scrapes. */
  static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** Below the chart's probe timeoutSeconds (5), so a slow check fails the probe with a reason. */
  static final Duration CHECK_DEADLINE = Duration.ofSeconds(2);

  private static final int REQUEST_THREADS = 4;
  private static final int CHECK_QUEUE = 8;

  private final ThreadPoolExecutor livenessChecks;
  private final ThreadPoolExecutor readinessChecks;
  private HttpService server;

  private HttpEndpoints(ThreadPoolExecutor livenessChecks, ThreadPoolExecutor readinessChecks) {
    this.livenessChecks = livenessChecks;
    this.readinessChecks = readinessChecks;
  }

  /**
   * Binds {@code port} on all interfaces (0 picks a free port, see {@link #port()}) and starts
   * serving.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static HttpEndpoints start(
      int port, Readiness readiness, PrometheusMeterRegistry registry) {
    ThreadPoolExecutor liveness = singleCheckThread("probe-liveness");
    ThreadPoolExecutor ready = singleCheckThread("probe-readiness");
    HttpEndpoints endpoints = new HttpEndpoints(liveness, ready);
    try {
      // Jetty (HttpService): slow clients cannot hold the request threads, so the kubelet's
      // probes are answered whatever else connects to this port.
      endpoints.server =
          HttpService.on(
                  new InetSocketAddress(port), "http", HttpService.Limits.defaults(REQUEST_THREADS))
              .handle(
                  "/healthz", exchange -> endpoints.probe(exchange, liveness, readiness::liveness))
              .handle("/readyz", exchange -> endpoints.probe(exchange, ready, readiness::readiness))
              .handle("/metrics", exchange -> endpoints.metrics(exchange, registry))
              .handle("/", exchange -> endpoints.notFound(exchange))
              .start();
    } catch (UncheckedIOException e) {
      liveness.shutdownNow();
      ready.shutdownNow();
      throw new UncheckedIOException("cannot listen on HTTP port " + port, e.getCause());
    }
    LOG.info("{} {}", kv("event", "http_started"), kv("port", endpoints.port()));
    return endpoints;
  }

  /** The bound port; the real one when started with port 0. */
  public int port() {
    return server.port();
  }

  /** Stops listening at once: call it last on shutdown, so probes answer until then. */
  @Override
  public void close() {
    server.close();
    livenessChecks.shutdownNow();
    readinessChecks.shutdownNow();
    LOG.info("{}", kv("event", "http_stopped"));
  }

  private void probe(HttpExchange exchange, ExecutorService checks, Supplier<Readiness.Check> check)
      throws IOException {
    try (exchange) {
      if (!allowedMethod(exchange)) {
        return;
      }
      Readiness.Check answer = withDeadline(checks, check);
      respond(
          exchange,
          answer.ok() ? 200 : 503,
          "text/plain; charset=utf-8",
          (answer.message() + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  private static Readiness.Check withDeadline(
      ExecutorService checks, Supplier<Readiness.Check> check) {
    CompletableFuture<Readiness.Check> answer;
    try {
      answer = CompletableFuture.supplyAsync(check, checks);
    } catch (RejectedExecutionException e) {
      return Readiness.Check.failing("earlier checks are still running");
    }
    try {
      Readiness.Check result = answer.get(CHECK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      return result != null ? result : Readiness.Check.failing("check gave no answer");
    } catch (TimeoutException e) {
      answer.cancel(true);
      return Readiness.Check.failing("check did not answer within " + CHECK_DEADLINE);
    } catch (ExecutionException e) {
      LOG.warn(
          "{} {}", kv("event", "probe_check_failed"), kv("error", Failures.brief(e.getCause())));
      return Readiness.Check.failing("check failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Readiness.Check.failing("interrupted");
    }
  }

  private void metrics(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
    try (exchange) {
      if (!allowedMethod(exchange)) {
        return;
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
      try {
        registry.scrape(body, METRICS_CONTENT_TYPE);
      } catch (RuntimeException e) {
        LOG.warn("{} {}", kv("event", "metrics_scrape_failed"), kv("error", Failures.brief(e)));
        respond(
            exchange,
            500,
            "text/plain; charset=utf-8",
            "scrape failed\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      respond(exchange, 200, METRICS_CONTENT_TYPE, body.toByteArray());
    }
  }

  private void notFound(HttpExchange exchange) throws IOException {
    try (exchange) {
      respond(
          exchange,
          404,
          "text/plain; charset=utf-8",
          "not found: use /healthz, /readyz or /metrics\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static boolean allowedMethod(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
    respond(exchange, 405, "text/plain; charset=utf-8", new byte[0]);
    return false;
  }

  private static void respond(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    if (exchange.getRequestMethod().equals("HEAD") || body.length == 0) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static ThreadPoolExecutor singleCheckThread(String name) {
    return new ThreadPoolExecutor(
        1,
        1,
        0,
        TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(CHECK_QUEUE),
        DaemonThreads.named(name),
        new ThreadPoolExecutor.AbortPolicy());
  }
}
