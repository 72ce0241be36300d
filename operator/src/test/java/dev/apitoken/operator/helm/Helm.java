package dev.apitoken.operator.helm;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real helm binary (installed into {@code .tools/bin} by {@code .ci/install-helm.sh} when
 * missing) against the chart in {@code helm/apitoken-operator}. Public for the real-API tests,
 * which install what it renders.
 */
public final class Helm {
  static final String RELEASE = "apitoken";
  static final String NAMESPACE = "apitoken-system";

  /**
   * The Prometheus Operator's API, for {@code --api-versions}: the chart renders ServiceMonitors
   * and PrometheusRules only where the cluster serves it.
   */
  static final String MONITORING_API = "monitoring.coreos.com/v1";

  private static final long TIMEOUT_SECONDS = 300;

  private final Path repoRoot;
  private final Path helm;

  private Helm(Path repoRoot, Path helm) {
    this.repoRoot = repoRoot;
    this.helm = helm;
  }

  /** The repository root: system property {@code repo.root} (set by surefire), else "..". */
  static Path repoRoot() {
    String property = System.getProperty("repo.root");
    Path root = Path.of(property == null || property.isBlank() ? ".." : property);
    return root.toAbsolutePath().normalize();
  }

  /** A runner for the repository's helm, installing it first when it is not there yet. */
  public static synchronized Helm get() {
    Path root = repoRoot();
    Path binary = root.resolve(".tools/bin/helm");
    if (!Files.isExecutable(binary)) {
      Result install =
          run(root, List.of("bash", root.resolve(".ci/install-helm.sh").toString()), Map.of());
      if (install.exitCode() != 0 || !Files.isExecutable(binary)) {
        throw new IllegalStateException(".ci/install-helm.sh failed:\n" + install);
      }
    }
    return new Helm(root, binary);
  }

  public Path chart() {
    return repoRoot.resolve("helm/apitoken-operator");
  }

  Path repo() {
    return repoRoot;
  }

  /** {@code helm <args>}, with helm's own config, cache and data kept out of the user's home. */
  public Result run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(helm.toString());
    command.addAll(List.of(args));
    Path home = repoRoot.resolve("operator/target/helm-home");
    return run(
        repoRoot,
        command,
        Map.of(
            "HELM_CONFIG_HOME", home.resolve("config").toString(),
            "HELM_CACHE_HOME", home.resolve("cache").toString(),
            "HELM_DATA_HOME", home.resolve("data").toString()));
  }

  /** {@code helm template} of the chart as release {@value #RELEASE} in {@value #NAMESPACE}. */
  Result template(String... extraArgs) {
    List<String> args = new ArrayList<>();
    args.add("template");
    args.add(RELEASE);
    args.add(chart().toString());
    args.add("--namespace");
    args.add(NAMESPACE);
    args.addAll(List.of(extraArgs));
    return run(args.toArray(String[]::new));
  }

  /** Renders the chart and parses the manifests; fails when helm fails. */
  Manifests render(String... extraArgs) {
    Result result = template(extraArgs);
    if (result.exitCode() != 0) {
      throw new AssertionError("helm template failed:\n" + result);
    }
    return Manifests.parse(result.stdout());
  }

  private static Result run(Path workDir, List<String> command, Map<String, String> env) {
    Path out = null;
    Path err = null;
    try {
      // Files rather than pipes: nothing can block on a full pipe, and the timeout always holds.
      out = Files.createTempFile("helm", ".out");
      err = Files.createTempFile("helm", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out after " + TIMEOUT_SECONDS + "s: " + command);
      }
      return new Result(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temp file is harmless
      }
    }
  }

  public record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit code " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }
}
