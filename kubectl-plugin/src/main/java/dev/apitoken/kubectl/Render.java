package dev.apitoken.kubectl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.apitoken.format.UntrustedText;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Tables, JSON and YAML as the subcommands print them. */
public final class Render {
  private Render() {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .build());

  /** Prints {@code document} as -o json, yaml or jsonpath=TEMPLATE asks. */
  public static void document(OutputOptions output, Object document, PrintStream out) {
    if (output.format() == OutputOptions.Format.JSONPATH) {
      out.print(output.jsonPath().print(JSON.valueToTree(document)));
      out.flush();
      return;
    }
    document(output.format(), document, out);
  }

  /** Prints {@code document} as JSON or YAML. */
  public static void document(OutputOptions.Format format, Object document, PrintStream out) {
    try {
      if (format == OutputOptions.Format.YAML) {
        out.print(YAML.writeValueAsString(document));
      } else {
        out.println(JSON.writeValueAsString(document));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A table as kubectl prints one: upper-case headers, columns three spaces apart. */
  public static void table(List<String> headers, List<List<String>> rows, PrintStream out) {
    int[] widths = new int[headers.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    rows.forEach(r -> all.add(r.stream().map(Render::cell).toList()));
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - row.get(i).length() + 3));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** A cell: never empty (so columns stay readable), never a control character. */
  static String cell(String value) {
    if (value == null || value.isEmpty()) {
      return "-";
    }
    return UntrustedText.escape(value, UntrustedText.MESSAGE_MAX_LENGTH);
  }

  /** {@code 2026-01-02T00:00:00Z (in 1d)}, or the text as it is when it is not a time. */
  public static String time(String rfc3339, Instant now) {
    if (rfc3339 == null) {
      return null;
    }
    try {
      Instant at = Instant.parse(rfc3339);
      return rfc3339 + " (" + relative(at, now) + ")";
    } catch (DateTimeParseException e) {
      return rfc3339;
    }
  }

  /** {@code in 2h5m}, {@code 3d ago}, {@code now}: the largest two units, like kubectl's ages. */
  public static String relative(Instant at, Instant now) {
    Duration d = Duration.between(now, at);
    if (d.abs().getSeconds() < 1) {
      return "now";
    }
    String amount = shortDuration(d.abs());
    return d.isNegative() ? amount + " ago" : "in " + amount;
  }

  static String shortDuration(Duration d) {
    long s = d.getSeconds();
    long days = s / 86400;
    long hours = (s % 86400) / 3600;
    long minutes = (s % 3600) / 60;
    long seconds = s % 60;
    if (days > 0) {
      return days + "d" + (hours > 0 ? hours + "h" : "");
    }
    if (hours > 0) {
      return hours + "h" + (minutes > 0 ? minutes + "m" : "");
    }
    if (minutes > 0) {
      return minutes + "m" + (seconds > 0 ? seconds + "s" : "");
    }
    return seconds + "s";
  }
}
