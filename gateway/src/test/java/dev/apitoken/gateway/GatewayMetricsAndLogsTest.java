package dev.apitoken.gateway;

import static dev.apitoken.gateway.GatewayFixture.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.verifier.TokenFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What /metrics shows, and what the logs never show. */
class GatewayMetricsAndLogsTest {
  @TempDir Path dir;
  private GatewayFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = new GatewayFixture(dir).publishTrust(7);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void metricsCountEachOutcomePerEndpoint() throws Exception {
    fixture.startWithPolicy(
        """
        routes:
          - pathPrefix: /admin
            scopes: [orders:admin]
        """);

    fixture.nginx("https://x.test/orders", token(3));
    fixture.nginx("https://x.test/orders", token(3));
    fixture.nginx("https://x.test/orders", null);
    fixture.nginx("https://x.test/admin", token(3));
    fixture.envoy("x.test", "/orders", token(7));

    String metrics = fixture.metrics();
    assertThat(metrics)
        .contains("apitoken_gateway_requests_total{endpoint=\"auth\",outcome=\"allowed\"} 2.0\n")
        .contains(
            "apitoken_gateway_requests_total{endpoint=\"auth\",outcome=\"unauthenticated\"} 1.0\n")
        .contains("apitoken_gateway_requests_total{endpoint=\"auth\",outcome=\"forbidden\"} 1.0\n")
        .contains(
            "apitoken_gateway_requests_total{endpoint=\"envoy\",outcome=\"unauthenticated\"} 1.0\n")
        .contains(
            "apitoken_gateway_requests_total{endpoint=\"auth\",outcome=\"unavailable\"} 0.0\n")
        .contains("# TYPE apitoken_gateway_request_duration_seconds histogram\n")
        .contains("apitoken_gateway_request_duration_seconds_bucket{le=\"+Inf\"} 5\n")
        .contains("apitoken_gateway_request_duration_seconds_count 5\n")
        .contains("apitoken_gateway_policy_reloads_total{outcome=\"failed\"} 0.0\n")
        .contains("apitoken_gateway_trust_ready 1.0\n")
        // token(3) three times: one miss, two hits; token(7) once: a miss.
        .contains("apitoken_gateway_cache_hits_total 2.0\n")
        .contains("apitoken_gateway_cache_misses_total 2.0\n")
        .contains("apitoken_gateway_cache_hit_ratio 0.5\n")
        .containsPattern("apitoken_gateway_cache_entries [12]\\.0\n")
        // The JVM's own, as the operator exposes them.
        .contains(
            "jvm_memory_used_bytes{",
            "jvm_gc_memory_allocated_bytes_total",
            "jvm_threads_live_threads ")
        .contains("process_uptime_seconds ", "process_cpu_usage ");
    assertThat(fixture.management("/metrics").headers().firstValue("Content-Type"))
        .contains("text/plain; version=0.0.4; charset=utf-8");
  }

  /**
   * Micrometer holds a gauge's state weakly: a lambda nothing else holds is collected at the next
   * GC and its gauge reads NaN from then on (CI saw {@code apitoken_gateway_trust_ready NaN}).
   */
  @Test
  void gaugesSurviveAGarbageCollection() {
    GatewayMetrics metrics = new GatewayMetrics();
    java.util.concurrent.atomic.AtomicBoolean ready =
        new java.util.concurrent.atomic.AtomicBoolean();
    dev.apitoken.verifier.VerifiedTokenCache.Statistics none =
        new dev.apitoken.verifier.VerifiedTokenCache.Statistics(0, 0, 0, 0);
    // Capturing lambdas, as Gateway passes: held only by the meters.
    metrics.watch(() -> ready.get(), () -> none);
    ready.set(true);
    for (int i = 0; i < 5; i++) {
      System.gc();
    }

    assertThat(metrics.render())
        .contains("apitoken_gateway_trust_ready 1.0")
        .contains("apitoken_gateway_cache_entries 0.0")
        .doesNotContain("NaN");
  }

  @Test
  void cacheSizeZeroTurnsTheCacheOff() throws Exception {
    fixture.start(fixture.config().cacheSize(0).build());

    fixture.nginx("https://x.test/orders", token(3));
    fixture.nginx("https://x.test/orders", token(3));

    assertThat(fixture.metrics())
        .contains("apitoken_gateway_requests_total{endpoint=\"auth\",outcome=\"allowed\"} 2.0\n")
        .contains("apitoken_gateway_cache_hits_total 0.0\n")
        .contains("apitoken_gateway_cache_entries 0.0\n");
  }

  @Test
  void noTokenReachesTheLogsAtAnyLevel() throws Exception {
    Logger root = Logger.getLogger("dev.apitoken");
    List<String> lines = new CopyOnWriteArrayList<>();
    SimpleFormatter formatter = new SimpleFormatter();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            lines.add(formatter.format(record));
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    capture.setLevel(Level.ALL);
    Level previous = root.getLevel();
    root.setLevel(Level.ALL);
    root.addHandler(capture);
    try {
      fixture.startWithPolicy("{}");
      String valid = token(3);
      String revoked = token(7);
      String foreign = new TokenFactory(GatewayFixture.OTHER_KEY).token(TokenFactory.claims(3));
      String garbage = "eyJhbGciOiJFZERTQSJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl";
      for (String token : List.of(valid, revoked, foreign, garbage)) {
        fixture.nginx("https://x.test/orders%0Aforged", token);
        fixture.envoy("x.test", "/orders", token);
      }
      fixture.publishPolicy("routes: [");
      await()
          .atMost(GatewayFixture.WITHIN_SECONDS)
          .until(() -> lines.stream().anyMatch(line -> line.contains("previous policy kept")));

      assertThat(lines).anyMatch(line -> line.contains("401"));
      for (String token : List.of(valid, revoked, foreign, garbage)) {
        String signature = token.substring(token.lastIndexOf('.') + 1);
        assertThat(lines).noneMatch(line -> line.contains(signature));
      }
      assertThat(lines).noneMatch(line -> line.contains("\nforged"));
    } finally {
      root.removeHandler(capture);
      root.setLevel(previous);
    }
  }
}
