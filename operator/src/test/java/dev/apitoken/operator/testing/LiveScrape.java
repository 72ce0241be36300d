package dev.apitoken.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.provider.PublishedFiles;
import dev.apitoken.operator.provider.StatusListProvider;
import dev.apitoken.operator.runtime.HttpEndpoints;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.runtime.OperatorReadiness;
import dev.apitoken.operator.store.Fabric8ConfigMaps;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code /metrics} of the real operator serves, wired as Main wires it (Prometheus registry,
 * HTTP endpoints, Status List provider), after it issued tokens (one after a refused Secret
 * create), revoked one and published the revocation, and deleted one. Run once per test JVM and
 * shared: the metrics table of docs/OBSERVABILITY.md, the chart's alerts and its dashboard are all
 * checked against it.
 */
public final class LiveScrape {
  public static final String NAMESPACE = "metrics-scrape";

  /** Revoked during the run: its expiry series must be gone from the final scrape. */
  public static final String REVOKED = "scraped";

  /** Deleted during the run: its expiry series must be gone from the final scrape. */
  public static final String DELETED = "deleted";

  /** Left alone: its expiry series stays. */
  public static final String KEPT = "kept";

  /**
   * @param afterIssue the scrape once every ApiToken was Ready, before any revocation or deletion
   * @param afterRevocation the scrape once the revocation was published, the deletion done and no
   *     publication pending
   * @param kept the ApiToken {@link #KEPT} as Ready
   * @param secrets every token value and token id the run issued, to look for in the scrapes
   */
  public record Result(
      String afterIssue, String afterRevocation, ApiToken kept, List<String> secrets) {
    /** Sample names of the final scrape: {@code name{labels} value} or {@code name value}. */
    public Set<String> sampleNames() {
      return LiveScrape.sampleNames(afterRevocation);
    }
  }

  private static Result result;

  private LiveScrape() {}

  public static synchronized Result get() {
    if (result == null) {
      result = run();
    }
    return result;
  }

  /** Sample names in Prometheus text format. */
  public static Set<String> sampleNames(String body) {
    Set<String> names = new TreeSet<>();
    Pattern name = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*");
    for (String line : body.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher found = name.matcher(line);
      if (found.find()) {
        names.add(found.group());
      }
    }
    return names;
  }

  private static Result run() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init();
    List<AutoCloseable> closing = new ArrayList<>();
    closing.add(server::destroy);
    try {
      KubernetesClient client = server.createClient();
      closing.add(client);
      return scenario(server, client, closing);
    } finally {
      closeAll(closing);
    }
  }

  private static Result scenario(
      KubernetesMockServer server, KubernetesClient client, List<AutoCloseable> closing) {
    PrometheusMeterRegistry registry = OperatorMetrics.prometheusRegistry();
    closing.add(registry::close);
    RunningOperator operator =
        new RunningOperator(client, new MutableClock(RunningOperator.START)).withRegistry(registry);
    closing.add(
        () -> {
          try (RunningOperator stopping = operator) {
            stopping.deleteAllApiTokens();
          }
        });
    PublishedFiles published =
        new PublishedFiles(
            new Fabric8ConfigMaps(client),
            RunningOperator.OPERATOR_NAMESPACE,
            operator.config().trustConfigMapName(),
            operator.config().statusListUri());
    StatusListProvider statusLists =
        StatusListProvider.start(
            0, published, operator.config().statusListTtl(), operator.config().statusMaxWaiters());
    closing.add(published);
    closing.add(statusLists);
    operator.start();
    operator
        .operatorMetrics()
        .statusListProvider(
            statusLists::waiters, statusLists::refusedLongPolls, statusLists::notModifiedResponses);
    published.start();
    OperatorReadiness readiness = new OperatorReadiness(operator.operator());
    readiness.markStarted();
    HttpEndpoints endpoints = HttpEndpoints.start(0, readiness, registry);
    closing.add(endpoints);
    int port = endpoints.port();

    operator.createNamespace(NAMESPACE, Map.of());
    // One refused Secret create: an issue failure, retried into a token.
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/" + NAMESPACE + "/secrets")
        .andReturn(
            422,
            "{\"kind\":\"Status\",\"code\":422,\"reason\":\"Invalid\",\"message\":\"refused\"}")
        .once();
    List<String> secrets = new ArrayList<>();
    Map<String, ApiToken> ready = new HashMap<>();
    List<String> names = List.of(REVOKED, DELETED, KEPT);
    names.forEach(name -> operator.create(ApiTokens.named(name).in(NAMESPACE).build()));
    for (String name : names) {
      ApiToken token = operator.awaitReady(NAMESPACE, name);
      ready.put(name, token);
      secrets.add(operator.tokenValue(NAMESPACE, token.getStatus().getSecretName()));
      secrets.add(token.getStatus().getJti());
    }
    String afterIssue = scrape(port);

    ApiToken revoked = ready.get(REVOKED);
    long index = revoked.getStatus().getStatusListIndex();
    revoked.getSpec().setRevoked(true);
    client.resource(revoked).update();
    operator.awaitCondition(NAMESPACE, REVOKED, Conditions.REVOKED, Conditions.TRUE);
    client.resource(ready.get(DELETED)).delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                operator.publishedStatus(NAMESPACE, index) == 1
                    && operator.get(NAMESPACE, DELETED) == null);
    String afterRevocation =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> scrape(port),
                body ->
                    sampleNames(body).contains("apitoken_status_list_revoked_indices")
                        && propagationsRecorded(body) > 0
                        && body.contains("\napitoken_trust_publish_pending_seconds 0.0\n"));
    return new Result(afterIssue, afterRevocation, ready.get(KEPT), List.copyOf(secrets));
  }

  private static double propagationsRecorded(String body) {
    Matcher count =
        Pattern.compile("^apitoken_revocation_propagation_seconds_count (\\S+)$", Pattern.MULTILINE)
            .matcher(body);
    return count.find() ? Double.parseDouble(count.group(1)) : 0;
  }

  private static String scrape(int port) {
    HttpResponse<String> response;
    try {
      response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted scraping /metrics", e);
    }
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private static void closeAll(List<AutoCloseable> closing) {
    RuntimeException failure = null;
    for (int i = closing.size() - 1; i >= 0; i--) {
      try {
        closing.get(i).close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("stopping the scraped operator failed", e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
