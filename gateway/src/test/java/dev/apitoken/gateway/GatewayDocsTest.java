package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/GATEWAY.md lists the label values the request counter really has, no more, no fewer. */
class GatewayDocsTest {
  private static final Pattern REQUESTS_ROW =
      Pattern.compile(
          "`apitoken_gateway_requests_total\\{endpoint=\"([^\"]+)\",outcome=\"([^\"]+)\"}`");

  @Test
  void theRequestCountersLabelValuesAreTheEndpointsAndOutcomes() throws IOException {
    String page =
        Files.readString(Path.of(System.getProperty("repo.root", "..")).resolve("docs/GATEWAY.md"));
    Matcher row = REQUESTS_ROW.matcher(page);
    assertThat(row.find()).as("the request counter's row in docs/GATEWAY.md").isTrue();

    assertThat(values(row.group(1)))
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(Endpoint.values()).map(Endpoint::label).toList());
    assertThat(values(row.group(2)))
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(Outcome.values()).map(Outcome::label).toList());
  }

  /** "auth\|traefik\|envoy" in a Markdown table cell. */
  private static List<String> values(String cell) {
    return Arrays.asList(cell.split("\\\\\\|"));
  }
}
