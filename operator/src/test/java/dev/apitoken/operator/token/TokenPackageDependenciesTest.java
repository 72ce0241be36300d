package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The token domain stays free of Kubernetes and operator-framework types. */
class TokenPackageDependenciesTest {

  private static final Path SOURCES = Path.of("src/main/java/dev/apitoken/operator/token");

  @Test
  void importsNoKubernetesTypes() throws IOException {
    assertThat(SOURCES).isDirectory();
    List<String> offending;
    try (Stream<Path> files = Files.list(SOURCES)) {
      offending =
          files
              .filter(file -> file.toString().endsWith(".java"))
              .flatMap(TokenPackageDependenciesTest::lines)
              .filter(
                  line ->
                      line.contains("io.fabric8")
                          || line.contains("io.javaoperatorsdk")
                          || line.contains("io.kubernetes"))
              .toList();
    }
    assertThat(offending).isEmpty();
  }

  private static Stream<String> lines(Path file) {
    try {
      return Files.readAllLines(file).stream().map(line -> file.getFileName() + ": " + line);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
