package dev.apitoken.kubectl;

import picocli.CommandLine.Option;

/** {@code -o json|yaml}; a table (or a description) when absent. */
public final class OutputOptions {
  /** How a command prints. */
  public enum Format {
    TABLE,
    JSON,
    YAML
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      converter = FormatConverter.class,
      description = "json or yaml (default: human-readable text).")
  Format format = Format.TABLE;

  public Format format() {
    return format;
  }

  static final class FormatConverter implements picocli.CommandLine.ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      return switch (value) {
        case "json" -> Format.JSON;
        case "yaml" -> Format.YAML;
        default ->
            throw new picocli.CommandLine.TypeConversionException(
                "-o takes json or yaml, not '" + value + "'");
      };
    }
  }
}
