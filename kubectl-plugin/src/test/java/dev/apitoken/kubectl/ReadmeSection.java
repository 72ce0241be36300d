package dev.apitoken.kubectl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One section of the README ({@code ### title} up to the next heading of the same or a higher
 * level): the command lines of each of its {@code bash} blocks, and its table rows whose last cell
 * is a plain kubectl command.
 */
record ReadmeSection(String title, List<List<String>> blocks, List<TableRow> tableRows) {

  /** A table row: its first cell (what it does) and the kubectl command in its last cell. */
  record TableRow(String what, String command) {}

  static Path readme() {
    return Path.of(System.getProperty("repo.root", ".."), "README.md");
  }

  static ReadmeSection of(Path readme, String title) {
    List<String> lines;
    try {
      lines = Files.readAllLines(readme);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String heading = "### " + title;
    int start = lines.indexOf(heading);
    if (start < 0) {
      throw new IllegalArgumentException("no section '" + heading + "' in " + readme);
    }
    List<List<String>> blocks = new ArrayList<>();
    List<TableRow> rows = new ArrayList<>();
    List<String> block = null; // lines of the bash block being read
    boolean inOtherBlock = false; // console output, YAML: not commands
    for (String line : lines.subList(start + 1, lines.size())) {
      if (block != null || inOtherBlock) {
        if (line.equals("```")) {
          if (block != null) {
            blocks.add(ShellWords.commandLines(block));
          }
          block = null;
          inOtherBlock = false;
        } else if (block != null) {
          block.add(line);
        }
      } else if (line.equals("```bash")) {
        block = new ArrayList<>();
      } else if (line.startsWith("```")) {
        inOtherBlock = true;
      } else if (line.matches("^#{1,3} .*")) {
        break;
      } else if (line.startsWith("|") && line.endsWith("|")) {
        String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
        String last = cells[cells.length - 1].strip();
        if (last.startsWith("`kubectl ") && last.endsWith("`")) {
          rows.add(new TableRow(cells[0].strip(), last.substring(1, last.length() - 1)));
        }
      }
    }
    if (block != null || inOtherBlock) {
      throw new IllegalArgumentException("unterminated code block in section " + title);
    }
    return new ReadmeSection(title, blocks, rows);
  }
}
