package dev.apitoken.kubectl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits one command line of a README {@code bash} block into words as bash would, for exactly the
 * shell features the README uses: single and double quotes, backslash escapes, comments, and {@code
 * $(...)} command substitution. Anything else a shell would do (pipes, redirections, variables,
 * globs, several commands on one line) is refused, so a README command that depends on it cannot
 * pass untested.
 */
final class ShellWords {
  /** A documentation placeholder such as {@code <kid>}: not shell, filled in before splitting. */
  private static final Pattern PLACEHOLDER = Pattern.compile("<([a-z][a-z-]*)>");

  private ShellWords() {}

  /**
   * The lines of a {@code bash} block as commands: continuation lines ({@code \} at the end)
   * joined, comments and blank lines dropped.
   */
  static List<String> commandLines(List<String> blockLines) {
    List<String> commands = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : blockLines) {
      if (line.endsWith("\\")) {
        // bash drops the backslash and the newline; the next line's indent separates the words
        pending.append(line, 0, line.length() - 1);
        continue;
      }
      pending.append(line);
      String command = pending.toString();
      pending.setLength(0);
      String stripped = command.strip();
      if (!stripped.isEmpty() && !stripped.startsWith("#")) {
        commands.add(stripped);
      }
    }
    if (!pending.isEmpty()) {
      throw new IllegalArgumentException("block ends inside a continued line: " + pending);
    }
    return commands;
  }

  /**
   * The words of {@code line}: placeholders replaced from {@code placeholders} (an unknown one is
   * an error), each {@code $(...)} replaced by what {@code substitute} returns for its words.
   */
  static List<String> words(
      String line, Map<String, String> placeholders, Function<List<String>, String> substitute) {
    Matcher m = PLACEHOLDER.matcher(line);
    StringBuilder filled = new StringBuilder();
    while (m.find()) {
      String value = placeholders.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException("no value for placeholder " + m.group() + ": " + line);
      }
      m.appendReplacement(filled, Matcher.quoteReplacement(value));
    }
    m.appendTail(filled);
    return new Splitter(filled.toString(), substitute).split();
  }

  private static final class Splitter {
    private final String s;
    private final Function<List<String>, String> substitute;
    private int i;
    private final List<String> words = new ArrayList<>();
    private StringBuilder word;

    Splitter(String s, Function<List<String>, String> substitute) {
      this.s = s;
      this.substitute = substitute;
    }

    List<String> split() {
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == ' ' || c == '\t') {
          endWord();
          i++;
        } else if (c == '#' && word == null) {
          break; // a comment runs to the end of the line
        } else if (c == '\'') {
          int end = s.indexOf('\'', i + 1);
          if (end < 0) {
            throw refuse("unterminated single quote");
          }
          word().append(s, i + 1, end);
          i = end + 1;
        } else if (c == '"') {
          i++;
          doubleQuoted();
        } else if (c == '\\') {
          if (i + 1 >= s.length()) {
            throw refuse("backslash at the end");
          }
          word().append(s.charAt(i + 1));
          i += 2;
        } else if (c == '$') {
          String output = substitution();
          if (output.chars().anyMatch(Character::isWhitespace)) {
            throw refuse("an unquoted substitution whose output bash would split: " + output);
          }
          word().append(output);
        } else if ("|&;<>()`*?[]{}~".indexOf(c) >= 0) {
          throw refuse("'" + c + "' outside quotes");
        } else {
          word().append(c);
          i++;
        }
      }
      endWord();
      return words;
    }

    private void doubleQuoted() {
      word();
      while (true) {
        if (i >= s.length()) {
          throw refuse("unterminated double quote");
        }
        char c = s.charAt(i);
        if (c == '"') {
          i++;
          return;
        }
        if (c == '\\' && i + 1 < s.length() && "\"\\$`".indexOf(s.charAt(i + 1)) >= 0) {
          word.append(s.charAt(i + 1));
          i += 2;
        } else if (c == '$') {
          word.append(substitution());
        } else if (c == '`') {
          throw refuse("backquote substitution");
        } else {
          word.append(c);
          i++;
        }
      }
    }

    /** {@code $(...)} at {@code i}: the words inside, run through {@link #substitute}. */
    private String substitution() {
      if (i + 1 >= s.length() || s.charAt(i + 1) != '(') {
        throw refuse("'$' other than a $(...) substitution (shell variables are not supported)");
      }
      int end = s.indexOf(')', i + 2);
      if (end < 0) {
        throw refuse("unterminated $(");
      }
      String inner = s.substring(i + 2, end);
      if (inner.contains("(") || inner.contains("$")) {
        throw refuse("nested substitution");
      }
      i = end + 1;
      String output = substitute.apply(new Splitter(inner, substitute).split());
      // bash removes trailing newlines from a substitution's output
      return output.replaceAll("\\n+$", "");
    }

    private StringBuilder word() {
      if (word == null) {
        word = new StringBuilder();
      }
      return word;
    }

    private void endWord() {
      if (word != null) {
        words.add(word.toString());
        word = null;
      }
    }

    private IllegalArgumentException refuse(String what) {
      return new IllegalArgumentException("unsupported shell syntax (" + what + ") in: " + s);
    }
  }
}
