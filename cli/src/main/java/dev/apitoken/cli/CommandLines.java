package dev.apitoken.cli;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Parses a process's flags with picocli, the project's way: every long flag {@code --some-flag} is
 * also read from an environment variable ({@link #variable}), an empty variable counts as unset, a
 * flag given on the command line wins, a flag given twice is an error, and every error message
 * names the flag (or the variable) that is wrong.
 */
public final class CommandLines {
  private CommandLines() {}

  /** For a command line without environment variables. */
  public static final Function<String, String> NO_VARIABLES = flag -> null;

  /**
   * {@code prefix + FLAG_UPPER_SNAKE}: {@code --trust-dir} is {@code APITOKEN_GATEWAY_TRUST_DIR}.
   */
  public static String variable(String prefix, String flag) {
    return prefix + flag.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /**
   * Parses {@code args} into {@code options} (a picocli {@code @Command} object), with unset flags
   * read from {@code env} through {@code variableOf}.
   *
   * @return where each value came from, for messages
   * @throws IllegalArgumentException naming the flag that is wrong (unknown, twice, no value)
   */
  public static Sources parse(
      Object options, String[] args, Map<String, String> env, Function<String, String> variableOf) {
    CommandLine cli = new CommandLine(options);
    cli.setDefaultValueProvider(
        arg -> {
          String variable = variableOf(arg, variableOf);
          String value = variable == null ? null : env.get(variable);
          // The annotation's own default applies when the variable is unset or empty.
          return value == null || value.isEmpty() ? defaultOf(arg) : value;
        });
    try {
      ParseResult result = cli.parseArgs(args);
      return new Sources(result, env, variableOf);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(explain(e), e);
    }
  }

  private static String defaultOf(ArgSpec arg) {
    return arg.defaultValue();
  }

  private static String variableOf(ArgSpec arg, Function<String, String> variableOf) {
    if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    return variableOf.apply(option.longestName());
  }

  /** picocli's errors, in the project's words (the messages tests and runbooks quote). */
  static String explain(CommandLine.ParameterException e) {
    if (e instanceof CommandLine.UnmatchedArgumentException unmatched
        && !unmatched.getUnmatched().isEmpty()) {
      return "unknown argument " + unmatched.getUnmatched().get(0);
    }
    if (e instanceof CommandLine.OverwrittenOptionException twice) {
      return optionName(twice.getOverwritten()) + " is given twice";
    }
    if (e instanceof CommandLine.MissingParameterException missing
        && e.getMessage().startsWith("Missing required parameter for option")
        && !missing.getMissing().isEmpty()
        && missing.getMissing().get(0) instanceof OptionSpec option) {
      return option.longestName() + " needs a value";
    }
    return e.getMessage();
  }

  private static String optionName(ArgSpec arg) {
    return arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
  }

  /** Where each option's value came from: the command line, or its environment variable. */
  public static final class Sources {
    private final ParseResult result;
    private final Map<String, String> env;
    private final Function<String, String> variableOf;

    Sources(ParseResult result, Map<String, String> env, Function<String, String> variableOf) {
      this.result = result;
      this.env = env;
      this.variableOf = variableOf;
    }

    /** Whether {@code --help} (or {@code -h}) was given. */
    public boolean helpRequested() {
      return result.isUsageHelpRequested();
    }

    /** Whether the flag has a value, given or from its variable. */
    public boolean isSet(String flag) {
      if (result.hasMatchedOption(flag)) {
        return true;
      }
      String variable = variableOf.apply(flag);
      String value = variable == null ? null : env.get(variable);
      return value != null && !value.isEmpty();
    }

    /** How a message names the flag's value: the flag when given, else its variable. */
    public String nameOf(String flag) {
      return result.hasMatchedOption(flag) || !isSet(flag) ? flag : variableOf.apply(flag);
    }
  }

  /** A number in {@code [min, max]}, or an error naming {@code source}. */
  public static int number(String source, String value, int min, int max) {
    try {
      int number = Integer.parseInt(value.trim());
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new IllegalArgumentException(
        source + " must be a number from " + min + " to " + max + ", got " + value);
  }
}
