package dev.apitoken.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's first command works and shows what a user would want to see: run as the user runs
 * it, in a JVM of its own (so nothing another test logged or registered before hides a warning).
 */
class EmbeddedRunTest {
  private static int exit;
  private static String output;
  private static String errors;

  @BeforeAll
  static void runOnce() throws Exception {
    Path examples = Path.of(System.getProperty("repo.root", "..")).resolve("examples");
    Path stderr = Files.createTempFile("embedded-run-", ".err");
    Process run =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                EmbeddedRun.class.getName(),
                examples.toString())
            .redirectError(stderr.toFile())
            .start();
    run.getOutputStream().close();
    output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
    exit = run.exitValue();
    errors = Files.readString(stderr);
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
  void printsTheStoryAloneAndNoWarning() throws Exception {
    assertThat(output)
        .as("no operator log line among the story")
        .doesNotContainPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT.* (INFO|WARN|ERROR|DEBUG) ");
    assertThat(errors.lines()).as("warnings and errors on standard error").isEmpty();

    Matcher logFile = Pattern.compile("the operator's log goes to (\\S+)\\)").matcher(output);
    assertThat(logFile.find()).as(output).isTrue();
    List<String> log = Files.readAllLines(Path.of(logFile.group(1)));
    assertThat(log).as("the operator's log").anyMatch(line -> line.contains("event=started"));
    assertThat(log)
        .as("WARN or ERROR lines in the operator's log")
        .filteredOn(line -> line.matches("\\S+ (WARN|ERROR) .*"))
        .isEmpty();
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
