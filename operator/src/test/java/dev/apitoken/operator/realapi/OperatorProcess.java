package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * One operator replica as deployed: the shipped jar ({@code -Dshipped.jar}, built by {@code mvn
 * package}) in its own JVM, configured with the environment the chart's Deployment gives its
 * container, acting as the chart's ServiceAccount (impersonated). Its output goes to {@link
 * #log()}. {@link #kill()} is {@code kill -9}, {@link #terminate()} the kubelet's SIGTERM.
 */
final class OperatorProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final InstalledOperator installed;
  private final String hostname;
  private final int httpPort;
  private final Path log;
  private final Process process;

  private OperatorProcess(
      InstalledOperator installed, String hostname, int httpPort, Path log, Process process) {
    this.installed = installed;
    this.hostname = hostname;
    this.httpPort = httpPort;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts a replica of {@code installed} whose pod name ({@code HOSTNAME}, the start of its Lease
   * identity) is {@code hostname}; its log is {@code <server dir>/<hostname>.log}.
   */
  static OperatorProcess start(InstalledOperator installed, String hostname) {
    Path jar = Path.of(System.getProperty("shipped.jar"));
    assertThat(jar).as("the shipped jar (built by mvn package)").exists();
    RealApiServer server = installed.server();
    int httpPort = RealApiServer.freePort();
    Path log = server.dir().resolve(hostname + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "-jar",
                jar.toString())
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
    try {
      return new OperatorProcess(installed, hostname, httpPort, log, builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String hostname() {
    return hostname;
  }

  Path log() {
    return log;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** This replica holds the Lease (its identity starts with its pod name) and it is unexpired. */
  boolean leads() {
    Lease lease = installed.lease();
    String holder = InstalledOperator.holder(lease);
    return InstalledOperator.held(lease) && holder != null && holder.startsWith(hostname + "-");
  }

  /** {@code /readyz} answers 200 and says this replica leads. */
  boolean readyAsLeader() {
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

  /** SIGKILL, and waits until the process is gone: it writes nothing more and releases nothing. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM, as the kubelet sends it on a rollout or a drain. */
  void terminate() {
    process.destroy();
  }

  boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The last 40 lines of the log, for failure messages. */
  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
