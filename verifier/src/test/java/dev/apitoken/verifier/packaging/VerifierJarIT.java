package dev.apitoken.verifier.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the published library jar is the verifier alone; the sample service and the verify CLI
 * live in apitoken-verifier-tools, the wire format in apitoken-format. Runs in the verify phase, on
 * the jar the jar plugin built.
 */
class VerifierJarIT {
  @Test
  void holdsTheVerifierAndNoSampleServiceOrCli() throws IOException {
    List<String> classes;
    try (ZipFile jar = new ZipFile(Path.of(System.getProperty("shipped.jar")).toFile())) {
      classes = jar.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".class")).toList();
    }

    assertThat(classes)
        .contains(
            "dev/apitoken/verifier/TokenVerifier.class",
            "dev/apitoken/verifier/VerifiedTokenCache.class")
        // The wire format (dev/apitoken/format) is its own jar, apitoken-format: not copied here.
        .allMatch(name -> name.startsWith("dev/apitoken/verifier/"))
        .noneMatch(
            name ->
                name.startsWith("dev/apitoken/verifier/sample/")
                    || name.startsWith("dev/apitoken/verifier/cli/"));
  }
}
