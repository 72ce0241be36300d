package dev.apitoken.verifier.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a workload gets when it embeds the verifier: the wire format (apitoken-format), Jackson and
 * Bouncy Castle, nothing else. Maven writes the runtime list at generate-test-resources ({@code
 * dependency:list}, runtime scope).
 */
class LibraryClasspathTest {
  /** {@code group:artifact:type[:classifier]:version:scope[ -- module name]}. */
  private static final Pattern ARTIFACT = Pattern.compile("^\\s+([^:\\s]+):([^:\\s]+):\\S+$");

  @Test
  void isJacksonAndBouncyCastleOnly() throws IOException {
    List<String> runtime =
        Files.readAllLines(Path.of(System.getProperty("runtime.dependencies"))).stream()
            .map(line -> line.replaceFirst(" -- .*$", ""))
            .map(ARTIFACT::matcher)
            .filter(Matcher::matches)
            .map(m -> m.group(1) + ":" + m.group(2))
            .toList();

    assertThat(runtime)
        .contains(
            "dev.apitoken:apitoken-format",
            "com.fasterxml.jackson.core:jackson-databind",
            "org.bouncycastle:bcprov-jdk18on")
        .allMatch(
            artifact ->
                artifact.equals("dev.apitoken:apitoken-format")
                    || artifact.startsWith("com.fasterxml.jackson.core:")
                    || artifact.startsWith("org.bouncycastle:"));
  }
}
