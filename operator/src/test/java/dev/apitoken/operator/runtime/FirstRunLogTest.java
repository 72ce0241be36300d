package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.Leases;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A first run of the operator as the image starts it ({@code Main}, production logging, leader
 * election, metrics, probes and the Status List provider), in a JVM of its own against an empty
 * in-process API: start, issue a token, revoke it, be scraped, stop on SIGTERM. Its log has no WARN
 * or ERROR line: a fresh install must not alarm anyone. (Its own JVM, because some warnings are
 * printed once per JVM and another test may already have triggered them.)
 */
@EnableKubernetesMockClient(crud = true)
class FirstRunLogTest {
  private static final String OPERATOR_NAMESPACE = "apitoken-system";
  private static final String NAMESPACE = "shop";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static KubernetesClient client;
  static KubernetesMockServer server;

  @TempDir Path dir;

  @Test
  void aFreshInstallLogsNoWarning() throws Exception {
    Leases.allowLeaseUse(server);
    for (String namespace : List.of(OPERATOR_NAMESPACE, NAMESPACE)) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
    }
    int httpPort = freePort();
    Path log = dir.resolve("operator.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                dev.apitoken.operator.Main.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("APITOKEN_") || k.startsWith("KUBERNETES_"));
    env.put("KUBERNETES_MASTER", client.getMasterUrl().toString());
    env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
    env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
    env.put("KUBERNETES_NAMESPACE", OPERATOR_NAMESPACE);
    env.put("APITOKEN_OPERATOR_NAMESPACE", OPERATOR_NAMESPACE);
    env.put("APITOKEN_HTTP_PORT", Integer.toString(httpPort));
    env.put("APITOKEN_STATUS_PORT", Integer.toString(freePort()));
    env.put("HOSTNAME", "apitoken-operator-0");
    Process operator = builder.start();
    try {
      try {
        await()
            .atMost(Duration.ofSeconds(90))
            .until(() -> !operator.isAlive() || status(httpPort, "/readyz") == 200);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("not ready; log:\n" + Files.readString(log), e);
      }
      assertThat(operator.isAlive()).as("running; log:%n%s", Files.readString(log)).isTrue();

      client.resource(ApiTokens.named("orders-reader").in(NAMESPACE).build()).create();
      ApiToken ready = awaitCondition(Conditions.READY, Conditions.TRUE);
      assertThat(get(httpPort, "/metrics").body()).contains("apitoken_ready_status");
      ready.getSpec().setRevoked(true);
      client.resource(ready).update();
      awaitCondition(Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
      get(httpPort, "/metrics");
    } finally {
      operator.destroy();
      assertThat(operator.waitFor(30, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
    }

    List<String> lines = Files.readAllLines(log);
    System.out.println("first run, " + lines.size() + " log lines:\n" + String.join("\n", lines));
    assertThat(lines).as("the operator's log").anyMatch(line -> line.contains("event=started"));
    assertThat(lines)
        .as("Jetty's banners (our event lines say the same)")
        .noneMatch(line -> line.contains(" o.e.jetty.") || line.contains(" org.eclipse.jetty."));
    // The whole run, SIGTERM included: a fresh install starts at index 0 without a word, and a
    // publication interrupted by stopping is no failure.
    assertThat(lines)
        .as("WARN and ERROR lines of a first run")
        .filteredOn(line -> line.matches("\\S+ (WARN|ERROR) .*") || line.startsWith("SLF4J"))
        .isEmpty();
  }

  private static ApiToken awaitCondition(String type, String status) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                client
                    .resources(ApiToken.class)
                    .inNamespace(NAMESPACE)
                    .withName("orders-reader")
                    .get(),
            token ->
                token != null
                    && token.getStatus() != null
                    && token.getStatus().getConditions().stream()
                        .anyMatch(c -> type.equals(c.getType()) && status.equals(c.getStatus())));
  }

  /** The status code of GET {@code path}, 0 while nothing listens yet. */
  private static int status(int port, String path) throws InterruptedException {
    try {
      return get(port, path).statusCode();
    } catch (IOException notListeningYet) {
      return 0;
    }
  }

  private static HttpResponse<String> get(int port, String path)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
