package dev.apitoken.kubectl;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code __train}: one run of the common commands against a small API on loopback, so that a JVM
 * started with {@code -XX:ArchiveClassesAtExit} archives the classes a real session loads (picocli,
 * the client, Jackson, the HTTP stack). The launcher builds that class-data archive once per jar
 * and JDK; later runs map it instead of loading and verifying those classes one by one. Prints
 * nothing.
 */
@Command(name = "__train", hidden = true)
final class TrainCommand implements Callable<Integer> {
  private static final String NAMESPACE = "shop";

  private static final String API_TOKEN =
      "{\"apiVersion\":\"apitoken.dev/v1alpha1\",\"kind\":\"ApiToken\",\"metadata\":{\"name\":"
          + "\"orders\",\"namespace\":\"shop\",\"uid\":\"u1\",\"generation\":1},\"spec\":{"
          + "\"subject\":\"orders\"},\"status\":{\"jti\":\"j1\",\"statusListIndex\":7,\"keyId\":"
          + "\"k1\",\"issuedAt\":\"2026-01-01T00:00:00Z\",\"expiresAt\":\"2026-01-02T00:00:00Z\","
          + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"Issued\","
          + "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\",\"observedGeneration\":1}]}}";

  private final Env env;

  TrainCommand(Env env) {
    this.env = env;
  }

  @Override
  public Integer call() throws IOException {
    HttpServer api =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext("/", TrainCommand::answer);
    api.start();
    Path kubeconfig = Files.createTempFile("kubectl-apitoken-train", ".yaml");
    try {
      Files.writeString(kubeconfig, kubeconfig(api.getAddress().getPort()));
      PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
      Env quiet = new Env(env.clients(), env.clock(), InputStream.nullInputStream(), sink, sink);
      String config = kubeconfig.toString();
      for (List<String> args :
          List.of(
              List.of("--help"),
              List.of("status", "--help"),
              List.of("status", "--kubeconfig", config),
              List.of("status", "orders", "--kubeconfig", config),
              List.of("status", "orders", "-o", "yaml", "--kubeconfig", config),
              List.of("status", "-o", "json", "--kubeconfig", config),
              List.of("keys", "--kubeconfig", config),
              List.of("__complete", "status", "-o", ""))) {
        Main.run(args.toArray(String[]::new), quiet);
      }
    } finally {
      api.stop(0);
      Files.deleteIfExists(kubeconfig);
    }
    return ExitCodes.OK;
  }

  private static String kubeconfig(int port) {
    return String.join(
        "\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: train",
        "  cluster:",
        "    server: http://127.0.0.1:" + port,
        "users:",
        "- name: train",
        "  user:",
        "    token: train",
        "contexts:",
        "- name: train",
        "  context:",
        "    cluster: train",
        "    user: train",
        "    namespace: " + NAMESPACE,
        "current-context: train",
        "");
  }

  private static void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String body;
    int code = 200;
    if (path.endsWith("/apitokens")) {
      body =
          "{\"apiVersion\":\"apitoken.dev/v1alpha1\",\"kind\":\"ApiTokenList\",\"items\":["
              + API_TOKEN
              + "]}";
    } else if (path.endsWith("/apitokens/orders")) {
      body = API_TOKEN;
    } else {
      code = 404;
      body =
          "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":"
              + "\"NotFound\",\"code\":404}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
