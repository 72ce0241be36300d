package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.http.Slowloris;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpEndpointsTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static PrometheusMeterRegistry registry;

  private final AtomicReference<Readiness.Check> live =
      new AtomicReference<>(Readiness.Check.ok("alive"));
  private final AtomicReference<Readiness.Check> ready =
      new AtomicReference<>(Readiness.Check.failing("starting: syncing informers"));
  private HttpEndpoints endpoints;

  @BeforeAll
  static void registry() {
    registry = OperatorMetrics.prometheusRegistry();
  }

  @AfterAll
  static void closeRegistry() {
    registry.close();
  }

  @BeforeEach
  void start() {
    endpoints = HttpEndpoints.start(0, readiness(), registry);
  }

  @AfterEach
  void stop() {
    endpoints.close();
  }

  private Readiness readiness() {
    return new Readiness() {
      @Override
      public Check liveness() {
        return live.get();
      }

      @Override
      public Check readiness() {
        return ready.get();
      }
    };
  }

  @Test
  void readyzFollowsTheReadinessCheckAndSaysWhy() throws Exception {
    HttpResponse<String> starting = get("/readyz");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.body()).contains("starting: syncing informers");

    ready.set(Readiness.Check.ok("ready: standby"));
    HttpResponse<String> standby = get("/readyz");
    assertThat(standby.statusCode()).isEqualTo(200);
    assertThat(standby.body()).contains("ready: standby");
  }

  /**
   * Issue 22: four slow clients stalled the JDK server's /healthz (the kubelet then restarts the
   * pod). 1,000 connections sending request heads a byte at a time now hold no request thread.
   */
  @Test
  void aThousandSlowClientsDoNotStallTheProbes() throws Exception {
    try (Slowloris attack = Slowloris.open(endpoints.port(), 1_000)) {
      Duration slowest = attack.slowestOf(10, 200, () -> get("/healthz").statusCode());
      System.out.printf(
          "operator /healthz under 1,000 slowloris connections: slowest %d ms%n",
          slowest.toMillis());
      assertThat(slowest).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void healthzFollowsTheLivenessCheckOnly() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);

    live.set(Readiness.Check.failing("wedged"));
    HttpResponse<String> wedged = get("/healthz");
    assertThat(wedged.statusCode()).isEqualTo(503);
    assertThat(wedged.body()).contains("wedged");
  }

  @Test
  void aCheckThatHangsAnswers503WithinTheDeadline() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (HttpEndpoints hanging =
        HttpEndpoints.start(
            0,
            new Readiness() {
              @Override
              public Check liveness() {
                return Check.ok("alive");
              }

              @Override
              public Check readiness() {
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return Check.ok("late");
              }
            },
            registry)) {
      Instant before = Instant.now();
      HttpResponse<String> answer = get(hanging.port(), "/readyz");
      assertThat(answer.statusCode()).isEqualTo(503);
      assertThat(answer.body()).contains("did not answer");
      assertThat(Duration.between(before, Instant.now()))
          .isLessThan(HttpEndpoints.CHECK_DEADLINE.plusSeconds(2));
      // Liveness has its own thread: a stuck readiness check does not get the pod restarted.
      assertThat(get(hanging.port(), "/healthz").statusCode()).isEqualTo(200);
    } finally {
      release.countDown();
    }
  }

  @Test
  void metricsArePrometheusTextWithOperatorAndJvmMetrics() throws Exception {
    OperatorMetrics metrics =
        new OperatorMetrics(
            registry,
            Clock.fixed(Instant.parse("2026-01-02T00:00:00Z"), Clock.systemUTC().getZone()));
    metrics.tokenIssued("FirstIssue");
    metrics.issueFailed("IssueFailed");
    metrics.revocationRecorded(2);
    metrics.publishCompleted(3, 512, 2, Duration.ofSeconds(4));
    metrics.trustWrite("team-a", true);
    metrics.keyRingChanged(Instant.parse("2026-01-01T00:00:00Z"), 2);
    metrics.tokensByState(() -> Map.of("ready", 5L, "revoked", 2L));

    HttpResponse<String> scrape = get("/metrics");

    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("Content-Type"))
        .hasValue(HttpEndpoints.METRICS_CONTENT_TYPE);
    assertThat(scrape.body())
        .contains("# TYPE apitoken_tokens_issued_total counter")
        .contains("apitoken_tokens_issued_total{reason=\"FirstIssue\"} 1.0")
        .contains("apitoken_token_issue_failures_total{reason=\"IssueFailed\"} 1.0")
        .contains("apitoken_revoked_tokens_total 2.0")
        .contains("apitoken_trust_publishes_total 1.0")
        .contains("apitoken_status_list_revoked_indices 2.0")
        .contains("apitoken_status_list_size_bytes 512.0")
        .contains("apitoken_trust_namespaces 3.0")
        .contains("apitoken_revocation_propagation_seconds_count 1")
        .contains("apitoken_revocation_propagation_seconds_bucket{le=\"5.0\"} 1")
        .contains("apitoken_revocation_propagation_seconds_bucket{le=\"2.5\"} 0")
        .contains(
            "apitoken_trust_configmap_writes_total{namespace=\"team-a\",result=\"changed\"} 1.0")
        .contains("apitoken_signing_key_age_seconds 86400.0")
        .contains("apitoken_signing_keys 2.0")
        .contains("apitoken_tokens{state=\"ready\"} 5.0")
        .contains("apitoken_tokens{state=\"revoked\"} 2.0")
        .contains("apitoken_tokens{state=\"invalid\"} 0.0")
        .contains("jvm_memory_used_bytes{")
        .contains("jvm_gc_")
        .contains("process_cpu_usage")
        .contains("process_uptime_seconds");
  }

  @Test
  void unknownPathsAndMethodsAreRefused() throws Exception {
    assertThat(get("/").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        HTTP.send(
            HttpRequest.newBuilder(uri(endpoints.port(), "/readyz"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void closeFreesThePort() throws Exception {
    int port = endpoints.port();
    assertThat(get("/healthz").statusCode()).isEqualTo(200);

    endpoints.close();

    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return get(endpoints.port(), path);
  }

  private static HttpResponse<String> get(int port, String path)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
