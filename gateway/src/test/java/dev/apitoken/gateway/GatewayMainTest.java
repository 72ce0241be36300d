package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process: what an operator sees on stderr, and the exit codes. */
class GatewayMainTest {
  @TempDir Path dir;

  record Run(int exitCode, String stderr) {}

  private static Run run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(GatewayMain.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().keySet().removeIf(name -> name.startsWith(GatewayOptions.ENV_PREFIX));
    Process process = builder.start();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), stderr);
  }

  @Test
  void aWrongCommandLineExits2AndAnUnusablePolicyExits1NamingTheProblem() throws Exception {
    Run usage = run("--trust-dir", dir.toString());
    assertThat(usage.exitCode()).isEqualTo(GatewayMain.EXIT_USAGE);
    assertThat(usage.stderr())
        .contains("apitoken-gateway: --issuer (or APITOKEN_GATEWAY_ISSUER) is required")
        .contains("--help");

    Path policy = Files.writeString(dir.resolve("policy.yaml"), "routes:\n  - pathPrefx: /a\n");
    Run badPolicy =
        run(
            "--issuer", "i",
            "--trust-dir", dir.toString(),
            "--policy", policy.toString(),
            "--port", "0",
            "--management-port", "0");
    assertThat(badPolicy.exitCode()).isEqualTo(GatewayMain.EXIT_START_FAILED);
    assertThat(badPolicy.stderr())
        .contains("apitoken-gateway: cannot start: policy file " + policy)
        .contains("unknown key \"pathPrefx\" at routes[0]");
  }
}
