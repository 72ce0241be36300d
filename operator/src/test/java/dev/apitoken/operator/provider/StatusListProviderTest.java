package dev.apitoken.operator.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.Fabric8ConfigMaps;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a verifier sees over HTTP: the signed list at the path of its URI, ETag and 304, an ETag
 * that changes on every revocation, gzip, long-polls woken by a revocation or answered 304 at their
 * deadline, a bound on waiters, and a standby replica serving the same bytes as the leader's.
 */
@EnableKubernetesMockClient(crud = true)
class StatusListProviderTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final String URI_BASE = "https://tokens.example/statuslist";
  static KubernetesClient client;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private RunningOperator operator;
  private String ns;

  @BeforeEach
  void start() {
    ns = "apps-" + COUNTER.incrementAndGet();
    operator =
        new RunningOperator(
            client, new MutableClock(RunningOperator.START), "--status-list-uri=" + URI_BASE);
    operator.createNamespace(ns, Map.of());
    operator.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  /** A replica's provider: its own watch, its own port, whatever its role. */
  private StatusListProvider replica(int maxWaiters) {
    PublishedFiles files =
        new PublishedFiles(
            new Fabric8ConfigMaps(client),
            RunningOperator.OPERATOR_NAMESPACE,
            operator.config().trustConfigMapName(),
            URI_BASE);
    StatusListProvider provider =
        StatusListProvider.start(0, files, Duration.ofSeconds(30), maxWaiters);
    files.start();
    closing.add(provider);
    closing.add(files);
    return provider;
  }

  private HttpRequest.Builder get(StatusListProvider provider, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + provider.port() + pathAndQuery))
        .timeout(Duration.ofSeconds(90));
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> awaitServed(StatusListProvider provider, String path) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> send(get(provider, path)), r -> r.statusCode() == 200);
  }

  private static String etag(HttpResponse<?> response) {
    return response.headers().firstValue("ETag").orElseThrow();
  }

  private String publishedToken() {
    return operator.trustConfigMap().getData().get("status-list.jwt");
  }

  private void revoke(String name) {
    ApiToken token = operator.awaitReady(ns, name);
    token.getSpec().setRevoked(true);
    client.resource(token).update();
    operator.awaitCondition(ns, name, Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
  }

  @Test
  void servesTheSignedListWithAStrongEtagAndAnswers304ToIt() throws Exception {
    StatusListProvider provider = replica(100);
    HttpResponse<byte[]> first = awaitServed(provider, "/statuslist");

    assertThat(first.headers().firstValue("Content-Type")).contains("application/statuslist+jwt");
    assertThat(first.headers().firstValue("Cache-Control")).contains("max-age=30");
    assertThat(etag(first)).matches("\"[A-Za-z0-9_-]{22}\"");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> new String(send(get(provider, "/statuslist")).body()).equals(publishedToken()));

    HttpResponse<byte[]> current = send(get(provider, "/statuslist"));
    HttpResponse<byte[]> notModified =
        send(get(provider, "/statuslist").header("If-None-Match", etag(current)));
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    assertThat(etag(notModified)).isEqualTo(etag(current));
    assertThat(notModified.headers().firstValue("Cache-Control")).contains("max-age=30");

    HttpResponse<byte[]> jwks = awaitServed(provider, "/.well-known/jwks.json");
    assertThat(jwks.headers().firstValue("Content-Type")).contains("application/jwk-set+json");
    assertThat(new String(jwks.body(), StandardCharsets.UTF_8))
        .isEqualTo(operator.trustConfigMap().getData().get("jwks.json"));
    assertThat(
            send(get(provider, "/.well-known/jwks.json").header("If-None-Match", etag(jwks)))
                .statusCode())
        .isEqualTo(304);
    assertThat(send(get(provider, "/statuslist/1")).statusCode())
        .as("no shard 1 yet")
        .isEqualTo(404);
    assertThat(send(get(provider, "/other")).statusCode()).isEqualTo(404);
  }

  @Test
  void theEtagChangesOnEveryRevocation() throws Exception {
    StatusListProvider provider = replica(100);
    for (String name : List.of("a", "b", "c")) {
      operator.create(ApiTokens.named(name).in(ns).build());
      operator.awaitReady(ns, name);
    }
    Set<String> etags = new HashSet<>();
    etags.add(etag(awaitServed(provider, "/statuslist")));
    for (String name : List.of("a", "b", "c")) {
      revoke(name);
      String expected = publishedToken();
      HttpResponse<byte[]> after =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> send(get(provider, "/statuslist")),
                  r -> new String(r.body(), StandardCharsets.UTF_8).equals(expected));
      assertThat(etags.add(etag(after))).as("a new ETag after revoking %s", name).isTrue();
    }
  }

  @Test
  void gzipWhenAsked() throws Exception {
    StatusListProvider provider = replica(100);
    awaitServed(provider, "/statuslist");
    HttpResponse<byte[]> zipped =
        send(get(provider, "/statuslist").header("Accept-Encoding", "gzip"));

    assertThat(zipped.headers().firstValue("Content-Encoding")).contains("gzip");
    assertThat(zipped.headers().firstValue("Vary")).contains("Accept-Encoding");
    String body =
        new String(
            new GZIPInputStream(new ByteArrayInputStream(zipped.body())).readAllBytes(),
            StandardCharsets.UTF_8);
    assertThat(body).isEqualTo(publishedToken());
    assertThat(
            send(get(provider, "/statuslist")
                    .header("Accept-Encoding", "gzip")
                    .header("If-None-Match", etag(zipped)))
                .statusCode())
        .isEqualTo(304);
  }

  @Test
  void aLongPollWakesOnARevocationWellBeforeItsDeadline() throws Exception {
    StatusListProvider provider = replica(100);
    operator.create(ApiTokens.named("leaked").in(ns).build());
    operator.awaitReady(ns, "leaked");
    String before = etag(awaitServed(provider, "/statuslist"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                send(get(provider, "/statuslist").header("If-None-Match", before)).statusCode()
                    == 304);

    long started = System.nanoTime();
    CompletableFuture<HttpResponse<byte[]>> polling =
        http.sendAsync(
            get(provider, "/statuslist?wait=60s").header("If-None-Match", before).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    await().atMost(Duration.ofSeconds(10)).until(() -> provider.waiters() == 1);
    revoke("leaked");

    HttpResponse<byte[]> woken = polling.get();
    Duration waited = Duration.ofNanos(System.nanoTime() - started);
    assertThat(woken.statusCode()).isEqualTo(200);
    assertThat(etag(woken)).isNotEqualTo(before);
    assertThat(new String(woken.body(), StandardCharsets.UTF_8)).isEqualTo(publishedToken());
    assertThat(waited).isLessThan(Duration.ofSeconds(30));
    assertThat(provider.waiters()).isZero();
  }

  @Test
  void anUnchangedListAnswers304AtTheDeadline() throws Exception {
    StatusListProvider provider = replica(100);
    String current = etag(awaitServed(provider, "/statuslist"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                send(get(provider, "/statuslist").header("If-None-Match", current)).statusCode()
                    == 304);

    long started = System.nanoTime();
    HttpResponse<byte[]> answer =
        send(get(provider, "/statuslist?wait=1s").header("If-None-Match", current));

    assertThat(answer.statusCode()).isEqualTo(304);
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertThat(provider.waiters()).isZero();
  }

  @Test
  void pastTheBoundOnWaitersARequestIsRefusedWith503AndRetryAfter() throws Exception {
    StatusListProvider provider = replica(2);
    String current = etag(awaitServed(provider, "/statuslist"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                send(get(provider, "/statuslist").header("If-None-Match", current)).statusCode()
                    == 304);
    List<CompletableFuture<HttpResponse<byte[]>>> parked = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      parked.add(
          http.sendAsync(
              get(provider, "/statuslist?wait=3s").header("If-None-Match", current).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> provider.waiters() == 2);

    HttpResponse<byte[]> refused =
        send(get(provider, "/statuslist?wait=3s").header("If-None-Match", current));
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After"))
        .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
    assertThat(send(get(provider, "/statuslist").header("If-None-Match", current)).statusCode())
        .as("a plain conditional GET is still answered")
        .isEqualTo(304);
    for (var poll : parked) {
      assertThat(poll.get().statusCode()).isEqualTo(304);
    }
  }

  @Test
  void metricsShowOpenLongPollsRefusalsAnd304s() throws Exception {
    StatusListProvider provider = replica(1);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new OperatorMetrics(registry, new MutableClock(RunningOperator.START))
        .statusListProvider(
            provider::waiters, provider::refusedLongPolls, provider::notModifiedResponses);
    String current = etag(awaitServed(provider, "/statuslist"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                send(get(provider, "/statuslist").header("If-None-Match", current)).statusCode()
                    == 304);
    long notModifiedBefore = provider.notModifiedResponses();
    assertThat(registry.scrape())
        .contains("apitoken_status_long_polls 0.0")
        .contains("apitoken_status_long_polls_refused_total 0.0")
        .contains("apitoken_status_responses_not_modified_total " + notModifiedBefore + ".0");

    CompletableFuture<HttpResponse<byte[]>> parked =
        http.sendAsync(
            get(provider, "/statuslist?wait=2s").header("If-None-Match", current).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    await().atMost(Duration.ofSeconds(10)).until(() -> provider.waiters() == 1);
    assertThat(registry.scrape()).contains("apitoken_status_long_polls 1.0");
    assertThat(
            send(get(provider, "/statuslist?wait=2s").header("If-None-Match", current))
                .statusCode())
        .isEqualTo(503);
    assertThat(registry.scrape()).contains("apitoken_status_long_polls_refused_total 1.0");

    assertThat(parked.get().statusCode()).as("answered at its deadline").isEqualTo(304);
    assertThat(registry.scrape())
        .contains("apitoken_status_long_polls 0.0")
        .contains("apitoken_status_responses_not_modified_total " + (notModifiedBefore + 1) + ".0");
  }

  @Test
  void aStandbyReplicaServesTheSameBytesAsTheLeader() throws Exception {
    StatusListProvider leader = replica(100);
    StatusListProvider standby = replica(100);
    operator.create(ApiTokens.named("leaked").in(ns).build());
    revoke("leaked");
    String expected = publishedToken();

    for (StatusListProvider replica : List.of(leader, standby)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> send(get(replica, "/statuslist")),
              r -> new String(r.body(), StandardCharsets.UTF_8).equals(expected));
    }
    HttpResponse<byte[]> fromLeader = send(get(leader, "/statuslist"));
    HttpResponse<byte[]> fromStandby = send(get(standby, "/statuslist"));
    assertThat(fromStandby.body()).isEqualTo(fromLeader.body());
    assertThat(etag(fromStandby)).isEqualTo(etag(fromLeader));
  }
}
