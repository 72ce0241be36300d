package dev.apitoken.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kubectl's JSONPath templates ({@code -o jsonpath=...}), the part scripts use: literal text and
 * {@code {...}} expressions; a path of fields ({@code .a.b}, {@code \.} for a dot inside a key),
 * {@code [*]}, {@code [n]} and a filter {@code [?(@.field=="value")]}, optionally starting at
 * {@code $} (the root) or {@code @} (the current element); string literals ({@code {"\n"}}); and
 * {@code {range PATH}...{end}}, inside which a path starts at the current element. Anything else is
 * refused when the template is read, never half-printed.
 */
final class JsonPathTemplate {
  private static final Pattern FILTER =
      Pattern.compile("\\?\\(@\\.([A-Za-z0-9_-]+)==(?:\"([^\"]*)\"|'([^']*)')\\)");

  private sealed interface Step permits Field, All, Index, Filter {}

  private record Field(String name) implements Step {}

  private record All() implements Step {}

  private record Index(int index) implements Step {}

  private record Filter(String field, String value) implements Step {}

  /** One part of a template. */
  private sealed interface Part permits Text, Path, Range {}

  private record Text(String text) implements Part {}

  private record Path(boolean fromRoot, List<Step> steps) implements Part {}

  private record Range(Path over, List<Part> body) implements Part {}

  private final String template;
  private final List<Part> parts;

  JsonPathTemplate(String template) {
    this.template = template;
    List<List<Part>> open = new ArrayList<>();
    List<Path> ranges = new ArrayList<>();
    List<Part> current = new ArrayList<>();
    int i = 0;
    while (i < template.length()) {
      int brace = template.indexOf('{', i);
      if (brace < 0) {
        current.add(new Text(template.substring(i)));
        break;
      }
      if (brace > i) {
        current.add(new Text(template.substring(i, brace)));
      }
      int end = expressionEnd(brace);
      String expression = template.substring(brace + 1, end).trim();
      i = end + 1;
      if (expression.startsWith("range ")) {
        ranges.add(path(expression.substring("range ".length()).trim()));
        open.add(current);
        current = new ArrayList<>();
      } else if (expression.equals("end")) {
        if (open.isEmpty()) {
          throw refuse("{end} without {range}");
        }
        Range range = new Range(ranges.remove(ranges.size() - 1), List.copyOf(current));
        current = open.remove(open.size() - 1);
        current.add(range);
      } else if (expression.startsWith("\"") && expression.endsWith("\"")) {
        current.add(new Text(unquote(expression.substring(1, expression.length() - 1))));
      } else {
        current.add(path(expression));
      }
    }
    if (!open.isEmpty()) {
      throw refuse("{range} without {end}");
    }
    if (current.isEmpty()) {
      throw refuse("an empty template");
    }
    this.parts = List.copyOf(current);
  }

  /** The index of the brace that closes the expression opened at {@code open}. */
  private int expressionEnd(int open) {
    boolean quoted = false;
    for (int j = open + 1; j < template.length(); j++) {
      char c = template.charAt(j);
      if (c == '\\' && quoted) {
        j++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == '}' && !quoted) {
        return j;
      }
    }
    throw refuse("unterminated {");
  }

  private Path path(String expression) {
    String path = expression;
    boolean fromRoot = true;
    if (path.startsWith("$")) {
      path = path.substring(1);
    } else if (path.startsWith("@")) {
      fromRoot = false;
      path = path.substring(1);
    } else {
      fromRoot =
          false; // kubectl: a bare path starts at the current element (the root outside range)
    }
    List<Step> steps = new ArrayList<>();
    int i = 0;
    while (i < path.length()) {
      char c = path.charAt(i);
      if (c == '.') {
        StringBuilder name = new StringBuilder();
        i++;
        while (i < path.length() && path.charAt(i) != '.' && path.charAt(i) != '[') {
          if (path.charAt(i) == '\\' && i + 1 < path.length() && path.charAt(i + 1) == '.') {
            name.append('.');
            i += 2;
          } else {
            name.append(path.charAt(i++));
          }
        }
        if (name.isEmpty()) {
          if (path.length() == 1) {
            break; // {.}: the current element itself
          }
          throw refuse("an empty field name");
        }
        steps.add(name.toString().equals("*") ? new All() : new Field(name.toString()));
      } else if (c == '[') {
        int end = path.indexOf(']', i);
        if (end < 0) {
          throw refuse("unterminated [");
        }
        String inside = path.substring(i + 1, end);
        Matcher filter = FILTER.matcher(inside);
        if (inside.equals("*")) {
          steps.add(new All());
        } else if (inside.matches("[0-9]+")) {
          steps.add(new Index(Integer.parseInt(inside)));
        } else if (inside.matches("'[^']*'")) {
          steps.add(new Field(inside.substring(1, inside.length() - 1)));
        } else if (filter.matches()) {
          steps.add(
              new Filter(
                  filter.group(1), filter.group(2) != null ? filter.group(2) : filter.group(3)));
        } else {
          throw refuse("[" + inside + "]");
        }
        i = end + 1;
      } else {
        throw refuse("'" + c + "' in " + expression);
      }
    }
    return new Path(fromRoot, List.copyOf(steps));
  }

  private String unquote(String literal) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c != '\\' || i + 1 == literal.length()) {
        out.append(c);
        continue;
      }
      char next = literal.charAt(++i);
      switch (next) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case '"', '\\' -> out.append(next);
        default -> throw refuse("the escape \\" + next);
      }
    }
    return out.toString();
  }

  /**
   * The nodes the template's path selects in {@code root}, in document order: for a template of one
   * path expression.
   */
  List<JsonNode> select(JsonNode root) {
    if (parts.size() != 1 || !(parts.get(0) instanceof Path path)) {
      throw refuse("not one path expression");
    }
    return select(path, root, root);
  }

  private static List<JsonNode> select(Path path, JsonNode root, JsonNode here) {
    List<JsonNode> current = List.of(path.fromRoot() ? root : here);
    for (Step step : path.steps()) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        if (step instanceof Field f) {
          if (node.has(f.name())) {
            next.add(node.get(f.name()));
          }
        } else if (step instanceof All) {
          node.elements().forEachRemaining(next::add);
        } else if (step instanceof Index x) {
          if (node.isArray() && x.index() < node.size()) {
            next.add(node.get(x.index()));
          }
        } else if (step instanceof Filter f) {
          node.elements()
              .forEachRemaining(
                  e -> {
                    if (e.has(f.field()) && f.value().equals(e.get(f.field()).asText())) {
                      next.add(e);
                    }
                  });
        }
      }
      current = next;
    }
    return current;
  }

  /**
   * What {@code kubectl get -o jsonpath=...} prints: literal text as it is, the values of a path
   * space-separated, a range's body once per element. No newline is added.
   */
  String print(JsonNode root) {
    StringBuilder out = new StringBuilder();
    print(parts, root, root, out);
    return out.toString();
  }

  private static void print(List<Part> parts, JsonNode root, JsonNode here, StringBuilder out) {
    for (Part part : parts) {
      if (part instanceof Text t) {
        out.append(t.text());
      } else if (part instanceof Path p) {
        List<String> values = new ArrayList<>();
        select(p, root, here).forEach(n -> values.add(text(n)));
        out.append(String.join(" ", values));
      } else if (part instanceof Range r) {
        for (JsonNode over : select(r.over(), root, here)) {
          if (over.isArray()) {
            over.elements().forEachRemaining(e -> print(r.body(), root, e, out));
          } else {
            print(r.body(), root, over, out);
          }
        }
      }
    }
  }

  static String text(JsonNode node) {
    return node.isValueNode() ? node.asText() : node.toString();
  }

  private IllegalArgumentException refuse(String what) {
    return new IllegalArgumentException(
        "unsupported JSONPath (" + what + ") in template " + template);
  }
}
