package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.provider.PublishedFiles;
import dev.apitoken.operator.provider.StatusListProvider;
import dev.apitoken.operator.store.Fabric8ConfigMaps;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every metric the README's Observability table documents is served by a live {@code /metrics}
 * endpoint once the operator has done the things the table talks about: issued a token, failed to
 * issue one, revoked one and published the revocation. A metric that is documented but never
 * registered (or renamed in code only) fails here.
 */
@EnableKubernetesMockClient(crud = true)
class DocumentedMetricsTest {
  /** A table row: {@code | `apitoken_tokens{state}` | gauge | ...}. */
  private static final Pattern DOCUMENTED =
      Pattern.compile("^\\| `(apitoken_[a-z0-9_]+)(?:\\{[^}]*})?` \\|", Pattern.MULTILINE);

  static KubernetesClient client;
  static KubernetesMockServer server;

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  @Test
  void everyMetricInTheReadmeTableIsOnTheLiveMetricsEndpoint() throws Exception {
    List<String> documented = documentedMetrics();
    // Guards the parser: the table has more than a dozen rows.
    assertThat(documented).hasSizeGreaterThan(10).contains("apitoken_trust_configmap_writes_total");

    String ns = "metrics-scrape";
    RunningOperator operator = startedAsInMain();
    operator.createNamespace(ns, Map.of());

    // One refused Secret create: an issue failure, retried into a token.
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/" + ns + "/secrets")
        .andReturn(
            422,
            "{\"kind\":\"Status\",\"code\":422,\"reason\":\"Invalid\",\"message\":\"refused\"}")
        .once();
    operator.create(ApiTokens.named("scraped").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "scraped");
    String tokenValue = operator.tokenValue(ns, ready.getStatus().getSecretName());
    long index = ready.getStatus().getStatusListIndex();

    ready.getSpec().setRevoked(true);
    client.resource(ready).update();
    operator.awaitCondition(ns, "scraped", Conditions.REVOKED, Conditions.TRUE);
    await().atMost(Duration.ofSeconds(20)).until(() -> operator.publishedStatus(ns, index) == 1);

    int port = startHttpEndpoints(operator);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(sampleNames(scrape(port)))
                    .as("metric names on /metrics")
                    .containsAll(documented));

    String body = scrape(port);
    assertThat(body)
        .as("a scrape carries no token and no token id")
        .doesNotContain(tokenValue)
        .doesNotContain(ready.getStatus().getJti());
  }

  /** The operator with the Prometheus registry, HTTP endpoints and Status List provider of Main. */
  private RunningOperator startedAsInMain() {
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
    return operator;
  }

  private int startHttpEndpoints(RunningOperator operator) {
    OperatorReadiness readiness = new OperatorReadiness(operator.operator());
    readiness.markStarted();
    HttpEndpoints endpoints =
        HttpEndpoints.start(0, readiness, (PrometheusMeterRegistry) operator.metrics());
    closing.add(endpoints);
    return endpoints.port();
  }

  private String scrape(int port) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** Sample names in Prometheus text format: {@code name{labels} value} or {@code name value}. */
  private static Set<String> sampleNames(String body) {
    Set<String> names = new TreeSet<>();
    for (String line : body.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher name = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(line);
      if (name.find()) {
        names.add(name.group());
      }
    }
    return names;
  }

  private static List<String> documentedMetrics() throws Exception {
    String readme =
        Files.readString(Path.of(System.getProperty("repo.root", "..")).resolve("README.md"));
    String observability = readme.substring(readme.indexOf("\n## Observability"));
    observability = observability.substring(0, observability.indexOf("\n## ", 1));
    List<String> names = new ArrayList<>();
    Matcher row = DOCUMENTED.matcher(observability);
    while (row.find()) {
      names.add(row.group(1));
    }
    return names;
  }
}
