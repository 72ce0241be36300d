package dev.apitoken.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the jar the operator image runs holds the operator and the wire format it writes, and
 * none of the verifier library (a workload's), the embedded run, the sample service, the verify
 * CLI, the mock server or its HTTP stacks. Runs in the verify phase (a surefire execution after the
 * shade plugin), on the shaded jar itself.
 */
class OperatorJarIT {
  private static final List<String> FORBIDDEN =
      List.of(
          "dev/apitoken/operator/embedded/",
          "dev/apitoken/demo/",
          "dev/apitoken/verifier/",
          "io/fabric8/kubernetes/client/server/mock/",
          "io/fabric8/mockwebserver/",
          "io/vertx/",
          "io/netty/",
          "okhttp3/",
          "org/junit/");

  @Test
  void holdsNoDemoSampleCliOrMockServerClass() throws IOException {
    List<String> entries;
    try (ZipFile jar = new ZipFile(Path.of(System.getProperty("shipped.jar")).toFile())) {
      entries = jar.stream().map(ZipEntry::getName).toList();
    }

    assertThat(entries)
        .contains(
            "dev/apitoken/operator/Main.class",
            "dev/apitoken/format/JwtJson.class",
            "io/javaoperatorsdk/operator/Operator.class");
    assertThat(entries).filteredOn(name -> FORBIDDEN.stream().anyMatch(name::startsWith)).isEmpty();
  }
}
