package dev.apitoken.gateway.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An nginx configuration file as nginx tokenizes it: directives with arguments, ended by {@code ;}
 * or followed by a {@code {...}} block; {@code #} comments; single- and double-quoted arguments.
 */
final class NginxConf {
  /** A directive; {@code block} is null for a simple directive. */
  record Directive(String name, List<String> args, List<Directive> block) {
    String arg(int index) {
      if (index >= args.size()) {
        throw new AssertionError(name + " needs " + (index + 1) + " argument(s): " + args);
      }
      return args.get(index);
    }

    List<Directive> all(String directive) {
      return block == null
          ? List.of()
          : block.stream().filter(d -> d.name().equals(directive)).toList();
    }

    Optional<Directive> first(String directive) {
      return all(directive).stream().findFirst();
    }
  }

  private final String text;
  private int position;

  private NginxConf(String text) {
    this.text = text;
  }

  /** The file as the directives of the implicit main block. */
  static Directive parse(String text) {
    NginxConf parser = new NginxConf(text);
    List<Directive> main = parser.block(false);
    return new Directive("main", List.of(), main);
  }

  private List<Directive> block(boolean nested) {
    List<Directive> directives = new ArrayList<>();
    List<String> words = new ArrayList<>();
    while (true) {
      String token = next();
      if (token == null) {
        if (nested || !words.isEmpty()) {
          throw new AssertionError("nginx.conf ends inside a block or directive");
        }
        return directives;
      }
      switch (token) {
        case ";" -> {
          if (words.isEmpty()) {
            throw new AssertionError("empty directive at offset " + position);
          }
          directives.add(
              new Directive(words.get(0), List.copyOf(words.subList(1, words.size())), null));
          words.clear();
        }
        case "{" -> {
          if (words.isEmpty()) {
            throw new AssertionError("block without a directive at offset " + position);
          }
          List<Directive> children = block(true);
          directives.add(
              new Directive(words.get(0), List.copyOf(words.subList(1, words.size())), children));
          words.clear();
        }
        case "}" -> {
          if (!nested || !words.isEmpty()) {
            throw new AssertionError("unexpected } at offset " + position);
          }
          return directives;
        }
        default -> words.add(token);
      }
    }
  }

  /** The next token: ";", "{", "}", or a word with its quotes removed; null at the end. */
  private String next() {
    while (position < text.length()) {
      char c = text.charAt(position);
      if (Character.isWhitespace(c)) {
        position++;
      } else if (c == '#') {
        while (position < text.length() && text.charAt(position) != '\n') {
          position++;
        }
      } else {
        break;
      }
    }
    if (position >= text.length()) {
      return null;
    }
    char c = text.charAt(position);
    if (c == ';' || c == '{' || c == '}') {
      position++;
      return String.valueOf(c);
    }
    StringBuilder word = new StringBuilder();
    if (c == '"' || c == '\'') {
      position++;
      while (position < text.length() && text.charAt(position) != c) {
        if (text.charAt(position) == '\\' && position + 1 < text.length()) {
          position++;
        }
        word.append(text.charAt(position++));
      }
      if (position >= text.length()) {
        throw new AssertionError("unterminated quote in nginx.conf");
      }
      position++;
      return word.toString();
    }
    while (position < text.length()) {
      char w = text.charAt(position);
      if (Character.isWhitespace(w) || w == ';' || w == '{' || w == '}') {
        break;
      }
      word.append(w);
      position++;
    }
    return word.toString();
  }
}
