package dev.apitoken.kubectl;

import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code -o json|yaml|name|wide|jsonpath=TEMPLATE}, as kubectl takes it; a table (or a description)
 * when absent.
 */
public final class OutputOptions {
  /** How a command prints. */
  public enum Format {
    TABLE,
    WIDE,
    NAME,
    JSON,
    YAML,
    JSONPATH
  }

  @Spec(Spec.Target.MIXEE)
  picocli.CommandLine.Model.CommandSpec command;

  private Format format = Format.TABLE;
  private JsonPathTemplate jsonPath;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      completionCandidates = Formats.class,
      description =
          "json, yaml, name, wide or jsonpath=TEMPLATE (kubectl's JSONPath, e.g."
              + " jsonpath='{.items[*].name}'). Default: human-readable text.")
  void output(String value) {
    if (value.startsWith("jsonpath=")) {
      try {
        jsonPath = new JsonPathTemplate(value.substring("jsonpath=".length()));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(command.commandLine(), "-o " + e.getMessage());
      }
      format = Format.JSONPATH;
      return;
    }
    format =
        switch (value) {
          case "json" -> Format.JSON;
          case "yaml" -> Format.YAML;
          case "name" -> Format.NAME;
          case "wide" -> Format.WIDE;
          default ->
              throw new ParameterException(
                  command.commandLine(),
                  "-o takes json, yaml, name, wide or jsonpath=TEMPLATE, not '" + value + "'");
        };
  }

  /** What shell completion offers after -o. */
  static final class Formats implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("json", "yaml", "name", "wide", "jsonpath=").iterator();
    }
  }

  public Format format() {
    return format;
  }

  /** Human-readable text: the table, its wide form, or a description. */
  public boolean isText() {
    return format == Format.TABLE || format == Format.WIDE;
  }

  JsonPathTemplate jsonPath() {
    return jsonPath;
  }

  /** For commands whose output names no Kubernetes object: {@code -o name} is a usage error. */
  void refuseNames(String what) {
    if (format == Format.NAME) {
      throw CliException.usage(
          "-o name: "
              + what
              + " prints no Kubernetes object; use -o json, -o yaml or -o jsonpath=TEMPLATE");
    }
  }
}
