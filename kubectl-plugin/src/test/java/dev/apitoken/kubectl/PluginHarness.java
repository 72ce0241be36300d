package dev.apitoken.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The plugin against the Fabric8 mock API (CRUD mode), run as a user would run it: arguments in,
 * exit code and the two output streams out. A dispatcher in front of the CRUD store can answer 403
 * to chosen requests (a user without that RBAC permission) and records every request.
 */
final class PluginHarness implements AutoCloseable {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private final KubernetesMockServer server;
  final KubernetesClient client;
  final List<Sent> requests = new CopyOnWriteArrayList<>();
  private volatile Predicate<RecordedRequest> forbidden = r -> false;
  final List<Connection> connections = new ArrayList<>();

  PluginHarness() {
    KubernetesCrudDispatcher crud =
        new KubernetesCrudDispatcher(
            List.of(
                new CustomResourceDefinitionContext.Builder()
                    .withGroup(Cluster.GROUP)
                    .withVersion(Cluster.VERSION)
                    .withKind("ApiToken")
                    .withPlural("apitokens")
                    .withScope("Namespaced")
                    .build()));
    Dispatcher dispatcher =
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
            requests.add(
                new Sent(
                    request.getMethod(),
                    request.getPath(),
                    new String(body, StandardCharsets.UTF_8),
                    request.getHeader("Content-Type"),
                    request.getHeaders().toMultimap()));
            if (slow.test(request)) {
              return new MockResponse()
                  .setResponseCode(200)
                  .setBody("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[]}")
                  .setBodyDelay(SLOW_ANSWER);
            }
            if (forbidden.test(request)) {
              return new MockResponse()
                  .setResponseCode(403)
                  .setBody(
                      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                          + "\"reason\":\"Forbidden\",\"code\":403,\"message\":\"user"
                          + " \\\"oncall@example.com\\\" cannot "
                          + request.getMethod().toLowerCase()
                          + " this resource\"}");
            }
            return crud.dispatch(request);
          }
        };
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
    clientForRuns = client;
  }

  /** A request the plugin sent, as the API server received it. */
  record Sent(
      String method,
      String path,
      String body,
      String contentType,
      java.util.Map<String, List<String>> headers) {

    /** The values of a header, whatever its case on the wire. */
    List<String> header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream())
          .toList();
    }
  }

  /** How long a request chosen by {@link #answerSlowly} waits for its answer. */
  static final java.time.Duration SLOW_ANSWER = java.time.Duration.ofSeconds(20);

  private volatile Predicate<RecordedRequest> slow = r -> false;

  /** Requests matching {@code rule} are answered only after {@link #SLOW_ANSWER}. */
  void answerSlowly(Predicate<RecordedRequest> rule) {
    slow = rule;
  }

  /**
   * A kubeconfig file for the mock API with one context per namespace given, named {@code
   * ctx-<namespace>}; the first is the current one.
   */
  Path kubeconfig(Path dir, String... namespaces) throws IOException {
    StringBuilder yaml =
        new StringBuilder(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: "
                + client.getConfiguration().getMasterUrl()
                + "\nusers:\n- name: oncall\n  user:\n    token: oncall-token\ncontexts:\n");
    for (String ns : namespaces) {
      yaml.append("- name: ctx-")
          .append(ns)
          .append("\n  context:\n    cluster: mock\n    user: oncall\n    namespace: ")
          .append(ns)
          .append("\n");
    }
    yaml.append("current-context: ctx-").append(namespaces[0]).append("\n");
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, yaml);
    return file;
  }

  /** Runs the plugin with its own connection code ({@link Main#connect}), as the launcher does. */
  Result runConnected(String... args) {
    return runWith(Main::connect, "", args);
  }

  private volatile KubernetesClient clientForRuns;

  /**
   * Stops the API server: the cluster is unreachable from now on. Runs use a client that retries as
   * the plugin's own does ({@link Main#connect}), so the test does not wait out the default
   * backoff.
   */
  void stopServer() {
    clientForRuns =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration())
                    .withRequestRetryBackoffLimit(Main.RETRIES)
                    .withRequestRetryBackoffInterval(Main.RETRY_INTERVAL_MS)
                    .build())
            .build();
    server.destroy();
  }

  /** Requests matching {@code rule} are refused with 403, as RBAC would. */
  void forbid(Predicate<RecordedRequest> rule) {
    forbidden = rule;
  }

  static Predicate<RecordedRequest> method(String method, String pathPart) {
    return r -> r.getMethod().equalsIgnoreCase(method) && r.getPath().contains(pathPart);
  }

  record Result(int code, String out, String err) {}

  Result run(String... args) {
    return runWithInput("", args);
  }

  Result runWithInput(String stdin, String... args) {
    return runWith(
        connection -> {
          connections.add(connection);
          return clientForRuns;
        },
        stdin,
        args);
  }

  private Result runWith(Env.Clients clients, String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Env env =
        new Env(
            clients,
            Clock.fixed(NOW, ZoneOffset.UTC),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    int code = Main.run(args, env);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Creates the objects of a multi-document YAML text. */
  void apply(String yaml) {
    for (String doc : yaml.split("(?m)^---$")) {
      if (doc.isBlank()) {
        continue;
      }
      GenericKubernetesResource r = Serialization.unmarshal(doc, GenericKubernetesResource.class);
      if ("ApiToken".equals(r.getKind())) {
        client
            .genericKubernetesResources(Cluster.API_TOKENS)
            .inNamespace(r.getMetadata().getNamespace())
            .resource(r)
            .create();
      } else {
        client.resource(r).create();
      }
    }
  }

  JsonNode apiToken(String ns, String name) {
    return Cluster.JSON.valueToTree(
        client.genericKubernetesResources(Cluster.API_TOKENS).inNamespace(ns).withName(name).get());
  }

  /** Compares with src/test/resources/golden/{@code name}; -Dgolden.update=true rewrites it. */
  static void assertGolden(String name, String actual) {
    Path file = Path.of(System.getProperty("golden.dir", "src/test/resources/golden"), name);
    try {
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual);
        return;
      }
      assertThat(file).as("golden file %s (create it with -Dgolden.update=true)", name).exists();
      assertThat(actual).as("output against golden %s", name).isEqualTo(Files.readString(file));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    client.close();
    try {
      server.destroy();
    } catch (java.util.concurrent.RejectedExecutionException alreadyStopped) {
      // The mock server's Vert.x event loop can finish shutting down before destroy() hands it
      // its last completion callback (seen once in CI): the server is down either way.
    }
  }
}
