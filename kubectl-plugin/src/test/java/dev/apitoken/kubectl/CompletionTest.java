package dev.apitoken.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code completion bash|zsh|fish} and {@code __complete}, the protocol kubectl 1.26+ speaks. */
class CompletionTest {
  private PluginHarness h;

  @BeforeEach
  void start() {
    h = new PluginHarness();
  }

  @AfterEach
  void close() {
    h.close();
  }

  private List<String> complete(String... words) {
    PluginHarness.Result r = h.run(prepend("__complete", words));
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    List<String> lines = r.out().lines().toList();
    assertThat(lines).last().as("Cobra's directive: no file completion").isEqualTo(":4");
    return lines.subList(0, lines.size() - 1);
  }

  private static String[] prepend(String first, String... rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  @Test
  void completesCommandsOptionsAndOutputFormats() {
    assertThat(complete(""))
        .contains("status", "renew", "revoke", "keys", "completion")
        .doesNotContain("__complete", "__train");
    assertThat(complete("re")).containsExactly("renew", "revoke");
    assertThat(complete("status", "-o", ""))
        .containsExactly("json", "yaml", "name", "wide", "jsonpath=");
    assertThat(complete("status", "--as", "x", "-o", "j")).containsExactly("json", "jsonpath=");
    assertThat(complete("status", "--"))
        .contains("--namespace", "--as", "--as-group", "--request-timeout");
    assertThat(complete("keys", "-")).doesNotContain("-n", "--namespace").contains("--as", "-o");
    assertThat(complete("keys", "")).containsExactly("revoke");
    assertThat(complete("completion", "")).containsExactly("bash", "zsh", "fish");
    assertThat(h.requests).as("completion never calls the API").isEmpty();
  }

  @Test
  void theBashScriptCompletesInBash(@TempDir Path dir) throws Exception {
    PluginHarness.Result r = h.run("completion", "bash");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    Path script = dir.resolve("kubectl-apitoken.bash");
    Files.writeString(script, r.out());
    assertThat(bash(script, "kubectl-apitoken sta")).isEqualTo("status");
    assertThat(bash(script, "kubectl-apitoken status --output ")).contains("json", "jsonpath=");
    assertThat(bash(script, "kubectl-apitoken keys --namesp")).isEmpty();
    assertThat(h.run("completion", "zsh").out()).isEqualTo(r.out()).contains("bashcompinit");
  }

  /** What bash offers for {@code line}, through the completion function the script registers. */
  private static String bash(Path script, String line) throws Exception {
    String program =
        "source "
            + script
            + "\nfunction_name=$(complete -p kubectl-apitoken | sed -E 's/.* -F ([^ ]+) .*/\\1/')"
            + "\nCOMP_LINE='"
            + line
            + "'; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< \"$COMP_LINE\""
            + "\n[[ \"$COMP_LINE\" == *' ' ]] && COMP_WORDS+=('')"
            + "\nCOMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))"
            + "\n$function_name kubectl-apitoken \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\""
            + "\necho \"${COMPREPLY[*]}\"\n";
    // stderr dropped: the script's compopt complains outside a real completion.
    Process p =
        new ProcessBuilder("bash", "-c", program)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  @Test
  void theFishScriptAsksThePlugin() {
    PluginHarness.Result r = h.run("completion", "fish");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .contains("complete -c kubectl-apitoken -f -a '(__kubectl_apitoken_complete)'")
        .contains("kubectl-apitoken __complete $words[2..-1]");
  }

  @Test
  void anUnknownShellIsAUsageError() {
    PluginHarness.Result r = h.run("completion", "powershell");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("error: completion takes bash, zsh or fish, not 'powershell'\n");
  }
}
