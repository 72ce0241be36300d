package dev.apitoken.operator.packaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the file {@code mvn dependency:list -DoutputFile=...} writes. */
final class RuntimeDependencies {
  /** {@code group:artifact:type[:classifier]:version:scope[ -- module name]}. */
  private static final Pattern ARTIFACT = Pattern.compile("^\\s+([^:\\s]+):([^:\\s]+):\\S+$");

  private RuntimeDependencies() {}

  /** Every listed artifact as {@code group:artifact}. */
  static List<String> read(Path list) throws IOException {
    return Files.readAllLines(list).stream()
        .map(line -> line.replaceFirst(" -- .*$", ""))
        .map(ARTIFACT::matcher)
        .filter(Matcher::matches)
        .map(m -> m.group(1) + ":" + m.group(2))
        .toList();
  }
}
