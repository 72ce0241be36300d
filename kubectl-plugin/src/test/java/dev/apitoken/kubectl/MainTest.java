package dev.apitoken.kubectl;

import static dev.apitoken.kubectl.PluginHarness.assertGolden;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private PluginHarness h;

  @BeforeEach
  void start() {
    h = new PluginHarness();
  }

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void helpListsEverySubcommand() {
    PluginHarness.Result r = h.run("--help");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("help.txt", r.out());
  }

  @Test
  void noSubcommandIsAUsageError() {
    PluginHarness.Result r = h.run();
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("Usage: kubectl apitoken");
  }

  @Test
  void anUnknownSubcommandIsAUsageError() {
    PluginHarness.Result r = h.run("delete-everything");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("Unmatched argument at index 0: 'delete-everything'");
  }

  @Test
  void anUnreachableClusterIsAnErrorNamingTheCall() {
    h.stopServer();
    PluginHarness.Result r = h.run("status", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err())
        .isEqualTo(
            "error: cannot list apitokens.apitoken.dev in namespace shop: the cluster at "
                + h.client.getMasterUrl()
                + " is unreachable (connection refused)\n");
  }

  @Test
  void theLauncherSaysWhereTheJarIsMissing(@TempDir Path dir) throws Exception {
    Path launcher = Path.of(System.getProperty("plugin.dir", "."), "kubectl-apitoken");
    Path copy = dir.resolve("kubectl-apitoken");
    Files.copy(launcher, copy);
    Process p =
        new ProcessBuilder("bash", copy.toString(), "--help").redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(output).contains("error: kubectl-apitoken.jar not found next to " + copy);
  }
}
