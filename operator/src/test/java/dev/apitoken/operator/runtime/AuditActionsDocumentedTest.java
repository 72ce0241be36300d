package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The table of audit actions in docs/OBSERVABILITY.md lists exactly the actions the operator can
 * write.
 */
class AuditActionsDocumentedTest {
  private static final Pattern TABLE_ROW =
      Pattern.compile("^\\| `([a-z_]+)` \\|", Pattern.MULTILINE);

  @Test
  void everyAuditActionIsInTheDocumentedTableAndNothingElse() throws IOException {
    String page = Files.readString(repoRoot().resolve("docs/OBSERVABILITY.md"));
    String table = page.substring(page.indexOf("Every `action`:"));
    table = table.substring(0, table.indexOf("\n\n", table.indexOf("| action |")));
    Matcher rows = TABLE_ROW.matcher(table);
    List<String> documented =
        Stream.iterate(rows.find(), found -> found, found -> rows.find())
            .map(found -> rows.group(1))
            .toList();

    assertThat(documented)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(AuditAction.values()).map(AuditAction::text).toList());
  }

  /** No audit line bypasses the list: every action field in the sources comes from the enum. */
  @Test
  void noSourceWritesAnActionThatIsNotInTheList() throws IOException {
    Path sources = repoRoot().resolve("operator/src/main/java");
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String text = Files.readString(file);
        assertThat(text)
            .as("%s writes audit actions through AuditAction", sources.relativize(file))
            .doesNotContainPattern("audit action=")
            .doesNotContainPattern("AuditLog\\.(issued|revoked)\\(\\s*\"");
      }
    }
  }

  private static Path repoRoot() {
    return Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
  }
}
