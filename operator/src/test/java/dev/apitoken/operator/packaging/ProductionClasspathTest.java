package dev.apitoken.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the operator's runtime classpath (what the shade plugin packs into the image's jar)
 * carries no demo or test code. Maven writes the list at generate-test-resources ({@code
 * dependency:list}, runtime scope), so a dependency moved to compile scope fails here.
 */
class ProductionClasspathTest {
  /** Group or group:artifact prefixes that belong to the demo, the tests or the mock server. */
  private static final List<String> FORBIDDEN =
      List.of(
          "io.fabric8:kubernetes-server-mock",
          "io.fabric8:mockwebserver",
          "io.vertx",
          "io.netty",
          "com.squareup.okhttp3",
          "org.junit",
          "junit:",
          "org.assertj",
          "org.awaitility",
          "net.jqwik",
          "org.openjdk.jmh",
          "dev.apitoken:apitoken-demo",
          // The operator writes the wire format; it does not verify like a workload.
          "dev.apitoken:apitoken-verifier",
          "dev.apitoken:apitoken-verifier-tools");

  @Test
  void holdsTheOperatorsLibrariesAndNoDemoOrTestArtifact() throws IOException {
    List<String> runtime =
        RuntimeDependencies.read(Path.of(System.getProperty("runtime.dependencies")));

    assertThat(runtime)
        .as("the list is the operator's: read from the file Maven wrote")
        .contains(
            "io.javaoperatorsdk:operator-framework",
            "io.fabric8:kubernetes-client",
            "dev.apitoken:apitoken-format");
    assertThat(runtime)
        .filteredOn(artifact -> FORBIDDEN.stream().anyMatch(artifact::startsWith))
        .isEmpty();
  }
}
