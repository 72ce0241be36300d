package dev.apitoken.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class CommandLinesTest {
  private static final Function<String, String> VARIABLES = f -> CommandLines.variable("APP_", f);

  @Command(name = "app")
  static final class Flags {
    @Option(names = "--trust-dir")
    String trustDir;

    @Option(names = "--port", defaultValue = "8080")
    String port;

    @Option(names = "--verbose")
    boolean verbose;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true)
    boolean help;
  }

  @Test
  void aFlagWinsOverItsVariableAndAnEmptyVariableIsUnset() {
    Flags flags = new Flags();
    CommandLines.Sources from =
        CommandLines.parse(
            flags,
            new String[] {"--trust-dir=/flag"},
            Map.of("APP_TRUST_DIR", "/env", "APP_PORT", ""),
            VARIABLES);
    assertThat(flags.trustDir).isEqualTo("/flag");
    assertThat(flags.port).as("the annotation's default").isEqualTo("8080");
    assertThat(from.isSet("--port")).isFalse();
    assertThat(from.nameOf("--trust-dir")).isEqualTo("--trust-dir");
  }

  @Test
  void aValueFromTheEnvironmentIsNamedByItsVariable() {
    Flags flags = new Flags();
    CommandLines.Sources from =
        CommandLines.parse(flags, new String[0], Map.of("APP_PORT", "http"), VARIABLES);
    assertThat(flags.port).isEqualTo("http");
    assertThatThrownBy(() -> CommandLines.number(from.nameOf("--port"), flags.port, 0, 65535))
        .hasMessage("APP_PORT must be a number from 0 to 65535, got http");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--nope                     | unknown argument --nope",
        "--port 1 --port 2          | --port is given twice",
        "--trust-dir                | --trust-dir needs a value",
      })
  void errorsNameTheFlag(String args, String message) {
    assertThatThrownBy(() -> CommandLines.parse(new Flags(), args.split(" "), Map.of(), VARIABLES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void helpIsReportedNotValidated() {
    CommandLines.Sources from =
        CommandLines.parse(
            new Flags(),
            new String[] {"--port", "x", "--help"},
            Map.of(),
            CommandLines.NO_VARIABLES);
    assertThat(from.helpRequested()).isTrue();
  }

  @Test
  void variableNames() {
    assertThat(CommandLines.variable("APITOKEN_GATEWAY_", "--trust-dir"))
        .isEqualTo("APITOKEN_GATEWAY_TRUST_DIR");
  }
}
