package dev.apitoken.operator.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's first command works and shows what a user would want to see. */
class EmbeddedRunTest {
  @Test
  void embeddedRunIssuesTheExamplesAndExitsZero() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int exit =
        new EmbeddedRun(new PrintStream(buffer, true, StandardCharsets.UTF_8))
            .run(Path.of(System.getProperty("repo.root", "..")).resolve("examples"));
    String output = buffer.toString(StandardCharsets.UTF_8);

    assertThat(exit).as(output).isZero();
    assertThat(output)
        .contains("$ kubectl get apitokens -A")
        .contains("billing-client")
        .contains("orders-reader")
        .contains("\"alg\" : \"EdDSA\"")
        .contains("\"scope\" : \"orders:read orders:export\"")
        .contains("Done: every ApiToken was reconciled");
  }
}
