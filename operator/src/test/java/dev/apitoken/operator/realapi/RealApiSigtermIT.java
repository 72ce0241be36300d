package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.File;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 21, finding 2: SIGTERM (what the kubelet sends on a rollout or a drain) ends the leading
 * operator within 10 s and leaves the Lease released, so the next replica takes over at once rather
 * than after the lease duration. The shipped jar in its own JVM, as the chart's ServiceAccount, 20
 * times in a row. Runs in the verify phase, after the jar is built.
 */
@ExtendWith(RealApi.class)
class RealApiSigtermIT {
  private static final int RUNS = 20;
  private static final Duration EXIT_WITHIN = Duration.ofSeconds(10);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static InstalledOperator installed;
  private static RealApiServer server;

  @BeforeAll
  static void install(RealApiServer realApi) {
    server = realApi;
    installed = new InstalledOperator(realApi);
  }

  @AfterAll
  static void uninstall() throws Exception {
    installed.close();
  }

  @Test
  void sigtermEndsTheLeaderWithinTenSecondsAndReleasesTheLease() throws Exception {
    List<Long> exitMillis = new ArrayList<>();
    for (int run = 1; run <= RUNS; run++) {
      String hostname = "sigterm-" + run;
      int httpPort = RealApiServer.freePort();
      Path log = server.dir().resolve(hostname + ".log");
      Process operator = launch(hostname, httpPort, log);
      try {
        await("run " + run + ": leads and is ready (log " + log + ")")
            .atMost(Duration.ofSeconds(90))
            .until(() -> operator.isAlive() && leads(hostname) && ready(httpPort));

        long t0 = System.nanoTime();
        operator.destroy(); // SIGTERM
        boolean exited = operator.waitFor(EXIT_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(exited)
            .as(
                "run %d: exited within %s of SIGTERM; log %s:%n%s",
                run, EXIT_WITHIN, log, tail(log))
            .isTrue();
        exitMillis.add(took);
        Lease lease = installed.lease();
        assertThat(InstalledOperator.holder(lease))
            .as("run %d: the Lease after exit (released: no holder)", run)
            .isNullOrEmpty();
      } finally {
        operator.destroyForcibly();
      }
    }
    System.out.println("SIGTERM to exit, ms, per run: " + exitMillis);
  }

  private Process launch(String hostname, int httpPort, Path log) throws IOException {
    Path jar = Path.of(System.getProperty("shipped.jar"));
    assertThat(jar).as("the shipped jar (built by mvn package)").exists();
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:+UseSerialGC",
            "-Xmx256m",
            "-jar",
            jar.toString());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("APITOKEN_") || k.startsWith("KUBERNETES_"));
    env.putAll(installed.chart().operatorEnvironment());
    env.put("APITOKEN_HTTP_PORT", Integer.toString(httpPort));
    env.put("APITOKEN_STATUS_PORT", Integer.toString(RealApiServer.freePort()));
    env.put("HOSTNAME", hostname);
    env.put("KUBECONFIG", server.impersonatorKubeconfig().toString());
    String namespace = installed.chart().namespace();
    env.put(
        "KUBERNETES_IMPERSONATE_USERNAME",
        RealApiServer.serviceAccountUser(namespace, installed.chart().serviceAccount()));
    env.put(
        "KUBERNETES_IMPERSONATE_GROUP",
        String.join(",", RealApiServer.serviceAccountGroups(namespace)));
    return builder.start();
  }

  private static boolean leads(String hostname) {
    Lease lease = installed.lease();
    String holder = InstalledOperator.holder(lease);
    return InstalledOperator.held(lease) && holder != null && holder.startsWith(hostname + "-");
  }

  private static boolean ready(int httpPort) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && response.body().contains("leader");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
