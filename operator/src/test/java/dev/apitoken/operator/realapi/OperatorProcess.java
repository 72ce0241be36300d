package dev.apitoken.operator.realapi;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shipped jar in its own JVM, as the chart deploys it: the chart's {@code APITOKEN_*}
 * environment, a kubeconfig that acts as the chart's ServiceAccount (the impersonator, so the audit
 * log records every request), and the JVM the image runs under the chart's memory limit ({@link
 * #CHART_JVM_FLAGS}).
 */
public final class OperatorProcess implements AutoCloseable {
  /**
   * The JVM the image runs under the chart's {@code resources.limits.memory} (768Mi; the numbers in
   * docs/PERFORMANCE.md were measured under the 512Mi it was then): the flags of the Dockerfile's
   * {@code ENTRYPOINT} ({@code -XX:MaxRAMPercentage=75} of 768 MiB: a 576 MiB heap), with the
   * memory and the collector the JVM sees in that container: the Serial collector, which it picks
   * below 1792 MiB. Outside a container it would size itself from the machine's memory and pick G1.
   */
  public static final List<String> CHART_JVM_FLAGS = chartJvmFlags();

  public static final long CHART_MEMORY_LIMIT_BYTES = 768L << 20;

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final int httpPort;
  private final Path log;
  private final String hostname;
  private final InstalledOperator installed;

  private OperatorProcess(
      Process process, int httpPort, Path log, String hostname, InstalledOperator installed) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
    this.hostname = hostname;
    this.installed = installed;
  }

  /**
   * A replica of {@code installed} whose pod name ({@code HOSTNAME}, the start of its Lease
   * identity) is {@code hostname}, with the image's JVM flags under the chart's memory limit.
   */
  static OperatorProcess start(InstalledOperator installed, String hostname) {
    return start(installed.server(), installed.chart(), hostname, CHART_JVM_FLAGS, installed);
  }

  private static List<String> chartJvmFlags() {
    List<String> flags =
        new ArrayList<>(
            List.of("-XX:MaxRAM=" + (CHART_MEMORY_LIMIT_BYTES >> 20) + "m", "-XX:+UseSerialGC"));
    flags.addAll(imageJvmFlags());
    return List.copyOf(flags);
  }

  /** The JVM flags of the Dockerfile's exec-form {@code ENTRYPOINT}: between "java" and "-jar". */
  static List<String> imageJvmFlags() {
    String root = System.getProperty("repo.root");
    Path dockerfile = Path.of(root == null || root.isBlank() ? "." : root, "Dockerfile");
    try {
      for (String line : Files.readAllLines(dockerfile)) {
        if (line.startsWith("ENTRYPOINT [")) {
          List<String> entrypoint =
              List.of(
                  new com.fasterxml.jackson.databind.ObjectMapper()
                      .readValue(line.substring("ENTRYPOINT ".length()), String[].class));
          return entrypoint.subList(1, entrypoint.indexOf("-jar"));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no exec-form ENTRYPOINT in " + dockerfile.toAbsolutePath());
  }

  /** The jar {@code mvn package} built: system property {@code shipped.jar}, else the default. */
  public static Path shippedJar() {
    String configured = System.getProperty("shipped.jar");
    Path jar =
        configured == null || configured.isBlank()
            ? Path.of("operator", "target", "apitoken-operator.jar")
            : Path.of(configured);
    if (!Files.exists(jar)) {
      throw new IllegalStateException(
          jar.toAbsolutePath() + " is missing: run `mvn -o -pl operator -am package -DskipTests`");
    }
    return jar;
  }

  /**
   * Starts a replica named {@code hostname} of {@code chart} against {@code server}; its output
   * goes to {@code <server dir>/<hostname>.log}.
   */
  public static OperatorProcess start(
      RealApiServer server, ChartRelease chart, String hostname, List<String> jvmFlags) {
    return start(server, chart, hostname, jvmFlags, null);
  }

  private static OperatorProcess start(
      RealApiServer server,
      ChartRelease chart,
      String hostname,
      List<String> jvmFlags,
      InstalledOperator installed) {
    int httpPort = RealApiServer.freePort();
    Path log = server.dir().resolve(hostname + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.addAll(List.of("-jar", shippedJar().toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("APITOKEN_") || k.startsWith("KUBERNETES_"));
    env.putAll(chart.operatorEnvironment());
    env.put("APITOKEN_HTTP_PORT", Integer.toString(httpPort));
    env.put("APITOKEN_STATUS_PORT", Integer.toString(RealApiServer.freePort()));
    env.put("HOSTNAME", hostname);
    env.put("KUBECONFIG", server.impersonatorKubeconfig().toString());
    env.put(
        "KUBERNETES_IMPERSONATE_USERNAME",
        RealApiServer.serviceAccountUser(chart.namespace(), chart.serviceAccount()));
    env.put(
        "KUBERNETES_IMPERSONATE_GROUP",
        String.join(",", RealApiServer.serviceAccountGroups(chart.namespace())));
    try {
      return new OperatorProcess(builder.start(), httpPort, log, hostname, installed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String hostname() {
    return hostname;
  }

  /** This replica holds the Lease (its identity starts with its pod name) and it is unexpired. */
  boolean leads() {
    Lease lease = installed.lease();
    String holder = InstalledOperator.holder(lease);
    return InstalledOperator.held(lease) && holder != null && holder.startsWith(hostname + "-");
  }

  /** SIGKILL, and waits until the process is gone: it writes nothing more and releases nothing. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM, as the kubelet sends it on a rollout or a drain; does not wait. */
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

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** {@code /readyz} answers 200 and names this replica the leader. */
  public boolean readyAsLeader() {
    HttpResponse<String> response = get("/readyz");
    return response != null && response.statusCode() == 200 && response.body().contains("leader");
  }

  /** The Prometheus text of {@code /metrics}, or empty when it does not answer. */
  public String metrics() {
    HttpResponse<String> response = get("/metrics");
    return response == null || response.statusCode() != 200 ? "" : response.body();
  }

  /** The sum of every sample of the metric family {@code name} (all label sets). */
  public static double sum(String metrics, String name) {
    double sum = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private HttpResponse<String> get(String path) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** SIGTERM, as the kubelet stops a pod; waits up to {@code within} for the exit. */
  public boolean terminate(Duration within) throws InterruptedException {
    process.destroy();
    return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** {@code kill -9}, waiting for the process to be gone. */
  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
