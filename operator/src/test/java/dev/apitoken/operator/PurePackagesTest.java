package dev.apitoken.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The domain packages (signing and keys, revocation ledger, status lists and policies, the wire
 * format) stay free of Kubernetes and operator-framework types, and read time only from an injected
 * Clock, so they can be tested and reasoned about without a cluster and at any instant.
 */
class PurePackagesTest {

  /** What a pure package must not mention: cluster types, and the wall clock. */
  private static final List<String> FORBIDDEN =
      List.of(
          "io.fabric8",
          "io.javaoperatorsdk",
          "io.kubernetes",
          "Instant.now()",
          "System.currentTimeMillis",
          "Clock.systemUTC",
          "Clock.systemDefaultZone",
          "LocalDateTime.now",
          "ZonedDateTime.now",
          "OffsetDateTime.now");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "src/main/java/dev/apitoken/operator/token",
        "src/main/java/dev/apitoken/operator/revocation",
        "src/main/java/dev/apitoken/operator/config",
        // The wire format, shared with the verifier.
        "../format/src/main/java/dev/apitoken/format",
        "../format/src/main/java/dev/apitoken/format/status"
      })
  void importsNoKubernetesTypesAndReadsNoWallClock(String pack) throws IOException {
    Path sources = Path.of(pack);
    assertThat(sources).isDirectory();
    List<String> offending;
    try (Stream<Path> files = Files.list(sources)) {
      offending =
          files
              .filter(file -> file.toString().endsWith(".java"))
              .flatMap(PurePackagesTest::lines)
              .filter(line -> FORBIDDEN.stream().anyMatch(line::contains))
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
