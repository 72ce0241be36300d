package dev.apitoken.kubectl;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code __complete WORD... PARTIAL}: the candidates for the last word, one per line, then Cobra's
 * directive line ({@code :4}, no file completion). kubectl 1.26+ runs {@code
 * kubectl_complete-apitoken} with the words after {@code kubectl apitoken} and reads this format;
 * the fish script asks the same. Never talks to the cluster.
 */
final class CompleteCommand {
  /** The hidden first argument: {@code kubectl-apitoken __complete WORD...}. */
  static final String NAME = "__complete";

  /** Cobra's ShellCompDirectiveNoFileComp. */
  static final String NO_FILE_COMPLETION = ":4";

  private CompleteCommand() {}

  static int run(CommandSpec root, List<String> words, Env env) {
    candidates(root, words).forEach(env.out()::println);
    env.out().println(NO_FILE_COMPLETION);
    env.out().flush();
    return ExitCodes.OK;
  }

  /** The candidates for the last of {@code words} (empty: a new word), after the words before. */
  static List<String> candidates(CommandSpec root, List<String> words) {
    List<String> all = words.isEmpty() ? List.of("") : words;
    String partial = all.get(all.size() - 1);
    CommandSpec command = root;
    OptionSpec awaitingValue = null;
    for (String word : all.subList(0, all.size() - 1)) {
      if (awaitingValue != null) {
        awaitingValue = null;
      } else if (word.startsWith("-")) {
        OptionSpec option = command.findOption(word.contains("=") ? word.split("=", 2)[0] : word);
        if (option != null && option.arity().max() > 0 && !word.contains("=")) {
          awaitingValue = option;
        }
      } else if (command.subcommands().containsKey(word)) {
        command = command.subcommands().get(word).getCommandSpec();
      }
    }
    List<String> found = new ArrayList<>();
    if (awaitingValue != null) {
      values(awaitingValue, partial, found);
    } else if (partial.startsWith("-")) {
      for (OptionSpec option : command.options()) {
        if (option.hidden()) {
          continue;
        }
        for (String name : option.names()) {
          if (name.startsWith(partial)) {
            found.add(name);
          }
        }
      }
    } else {
      command
          .subcommands()
          .forEach(
              (name, sub) -> {
                if (!sub.getCommandSpec().usageMessage().hidden() && name.startsWith(partial)) {
                  found.add(name);
                }
              });
      command.positionalParameters().forEach(p -> values(p, partial, found));
    }
    return found;
  }

  private static void values(ArgSpec arg, String partial, List<String> found) {
    if (arg.completionCandidates() != null) {
      arg.completionCandidates()
          .forEach(
              c -> {
                if (c.startsWith(partial)) {
                  found.add(c);
                }
              });
    }
  }
}
