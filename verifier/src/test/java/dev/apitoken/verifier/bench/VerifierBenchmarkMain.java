package dev.apitoken.verifier.bench;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link VerifierBenchmark} and prints the ratios the verifier is held to: at least twice
 * nimbus-jose-jwt, and within 1.25x of bare Bouncy Castle Ed25519.
 *
 * <pre>
 * mvn -B -q -pl format,verifier test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.apitoken.verifier.bench.VerifierBenchmarkMain
 * </pre>
 */
public final class VerifierBenchmarkMain {
  private VerifierBenchmarkMain() {}

  /**
   * @param args optionally a regular expression of the benchmark methods to run, e.g. {@code
   *     "cache.*|digest.*"}; all by default
   */
  public static void main(String[] args) throws RunnerException {
    exposeClassPathToTheFork();
    String methods = args.length > 0 ? "\\.(" + args[0] + ")$" : "";
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder().include(VerifierBenchmark.class.getName() + methods).build())
            .run();

    Map<String, Double> opsPerSecond = new TreeMap<>();
    for (RunResult result : results) {
      String name = result.getParams().getBenchmark();
      opsPerSecond.put(
          name.substring(name.lastIndexOf('.') + 1), result.getPrimaryResult().getScore());
    }
    System.out.println();
    opsPerSecond.forEach((name, score) -> System.out.printf("%-18s %,14.0f ops/s%n", name, score));
    Double ours = opsPerSecond.get("ours");
    Double nimbus = opsPerSecond.get("nimbus");
    Double floor = opsPerSecond.get("bouncyCastle");
    if (ours != null && nimbus != null && floor != null) {
      System.out.printf("ours / nimbus        %.2fx (target >= 2.00x)%n", ours / nimbus);
      System.out.printf("bouncyCastle / ours  %.2fx (target <= 1.25x)%n", floor / ours);
    }
    Double hit = opsPerSecond.get("cacheHit");
    if (hit != null) {
      System.out.printf("cacheHit             %,.0f ops/s (target >= 500,000)%n", hit);
    }
  }

  /**
   * JMH starts its fork with {@code java.class.path}, which under {@code exec:java} is Maven's own;
   * hand it the class path that loaded this class instead.
   */
  private static void exposeClassPathToTheFork() {
    Set<String> entries = new LinkedHashSet<>();
    for (ClassLoader loader = VerifierBenchmarkMain.class.getClassLoader();
        loader != null;
        loader = loader.getParent()) {
      if (loader instanceof URLClassLoader urls) {
        for (URL url : urls.getURLs()) {
          try {
            entries.add(Path.of(url.toURI()).toString());
          } catch (URISyntaxException | IllegalArgumentException e) {
            // Not a file; the fork cannot use it anyway.
          }
        }
      }
    }
    if (!entries.isEmpty()) {
      System.setProperty("java.class.path", String.join(File.pathSeparator, entries));
    }
  }
}
