package dev.apitoken.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's first command works and shows what a user would want to see. */
class EmbeddedRunTest {
  private static int exit;
  private static String output;

  @BeforeAll
  static void runOnce() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    exit =
        new EmbeddedRun(new PrintStream(buffer, true, StandardCharsets.UTF_8))
            .run(Path.of(System.getProperty("repo.root", "..")).resolve("examples"));
    output = buffer.toString(StandardCharsets.UTF_8);
  }

  @Test
  void issuesTheExamplesShowsARevocationReachAWorkloadAndExitsZero() {
    assertThat(exit).as(output).isZero();
    assertThat(output)
        .contains("$ kubectl get apitokens -A")
        .contains("billing-client")
        .contains("orders-reader")
        .contains("applied Deployment default/apitoken-sample (from sample-workload.yaml)")
        .contains("\"alg\" : \"EdDSA\"")
        .contains("\"scope\" : \"orders:read orders:export\"")
        .contains("Done: every ApiToken was reconciled");

    List<String> lines = output.lines().toList();
    int accepted = indexOf(lines, "HTTP 200 ");
    int revoked = indexOf(lines, "HTTP 401 ");
    assertThat(accepted).as(output).isNotNegative();
    assertThat(revoked).as(output).isGreaterThan(accepted);
    assertThat(lines.get(accepted)).contains("\"subject\":\"billing-client\"");
    assertThat(lines.get(revoked)).contains("\"reason\":\"REVOKED\"").contains("revoked");
    assertThat(output)
        .contains("RevocationPublished=True")
        .contains("service log: usage verdict=VALID sub=billing-client")
        .contains("service log: usage verdict=REJECTED reason=REVOKED sub=billing-client");
  }

  @Test
  void neverPrintsATokenValue() {
    // A JWS is three base64url parts joined by dots; the header part always starts with eyJ.
    assertThat(output).doesNotContainPattern("eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.");
  }

  private static int indexOf(List<String> lines, String prefix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }
}
