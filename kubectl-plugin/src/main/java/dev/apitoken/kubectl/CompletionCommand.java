package dev.apitoken.kubectl;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code completion bash|zsh|fish}: a shell completion script for {@code kubectl-apitoken}. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a shell completion script for kubectl-apitoken (commands, options, -o formats).",
      "bash:  source <(kubectl-apitoken completion bash)",
      "zsh:   source <(kubectl-apitoken completion zsh)",
      "fish:  kubectl-apitoken completion fish | source",
      "For 'kubectl apitoken <TAB>' (kubectl 1.26+), put kubectl_complete-apitoken, shipped"
          + " next to kubectl-apitoken, on PATH: kubectl's own completion then asks it."
    },
    footer = {"", "Exit codes: 0 ok, 2 usage (an unknown shell)."})
final class CompletionCommand implements Callable<Integer> {
  static final String COMMAND = "kubectl-apitoken";

  @Parameters(
      paramLabel = "SHELL",
      completionCandidates = Shells.class,
      description = "bash, zsh or fish.")
  String shell;

  @Spec CommandSpec spec;

  private final Env env;

  CompletionCommand(Env env) {
    this.env = env;
  }

  static final class Shells implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("bash", "zsh", "fish").iterator();
    }
  }

  @Override
  public Integer call() {
    String script =
        switch (shell) {
          // picocli's script runs in zsh too, through bashcompinit, which it loads itself.
          case "bash", "zsh" -> bash();
          case "fish" -> fish();
          default ->
              throw CliException.usage("completion takes bash, zsh or fish, not '" + shell + "'");
        };
    env.out().print(script);
    env.out().flush();
    return ExitCodes.OK;
  }

  private String bash() {
    // The script is generated from the command tree, renamed to the executable's name.
    CommandLine root = Main.commandLine(env);
    root.getCommandSpec().name(COMMAND);
    return AutoComplete.bash(COMMAND, root);
  }

  /** fish has no static script from picocli: it asks the plugin, as kubectl does. */
  private static String fish() {
    return "# fish completion for "
        + COMMAND
        + ": each <TAB> asks '"
        + COMMAND
        + " __complete'.\n"
        + "function __kubectl_apitoken_complete\n"
        + "    set -l words (commandline -opc) (commandline -ct)\n"
        + "    "
        + COMMAND
        + " __complete $words[2..-1] 2>/dev/null | string match -v -r '^:'\n"
        + "end\n"
        + "complete -c "
        + COMMAND
        + " -f -a '(__kubectl_apitoken_complete)'\n";
  }
}
