package dev.apitoken.operator.helm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The little of PromQL the chart tests need, without a parser: the metric names an expression
 * selects, the functions it calls and whether its brackets balance. Good enough to catch a renamed
 * metric or a typo in a function name; it does not prove an expression valid.
 */
final class PromQl {
  /** PromQL's functions and aggregation operators (Prometheus 2.x and 3.x). */
  static final Set<String> FUNCTIONS =
      Set.of(
          "abs",
          "absent",
          "absent_over_time",
          "acos",
          "acosh",
          "asin",
          "asinh",
          "atan",
          "atanh",
          "avg",
          "avg_over_time",
          "bottomk",
          "ceil",
          "changes",
          "clamp",
          "clamp_max",
          "clamp_min",
          "cos",
          "cosh",
          "count",
          "count_over_time",
          "count_values",
          "day_of_month",
          "day_of_week",
          "day_of_year",
          "days_in_month",
          "deg",
          "delta",
          "deriv",
          "exp",
          "floor",
          "group",
          "histogram_avg",
          "histogram_count",
          "histogram_fraction",
          "histogram_quantile",
          "histogram_stddev",
          "histogram_stdvar",
          "histogram_sum",
          "holt_winters",
          "hour",
          "idelta",
          "increase",
          "irate",
          "label_join",
          "label_replace",
          "last_over_time",
          "limitk",
          "limit_ratio",
          "ln",
          "log10",
          "log2",
          "mad_over_time",
          "max",
          "max_over_time",
          "min",
          "min_over_time",
          "minute",
          "month",
          "pi",
          "predict_linear",
          "present_over_time",
          "quantile",
          "quantile_over_time",
          "rad",
          "rate",
          "resets",
          "round",
          "scalar",
          "sgn",
          "sin",
          "sinh",
          "sort",
          "sort_by_label",
          "sort_by_label_desc",
          "sort_desc",
          "sqrt",
          "stddev",
          "stddev_over_time",
          "stdvar",
          "stdvar_over_time",
          "sum",
          "sum_over_time",
          "tan",
          "tanh",
          "time",
          "timestamp",
          "topk",
          "vector",
          "year");

  /** Keywords followed by a parenthesised list of label names, not an expression. */
  private static final Set<String> LABEL_LISTS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  private static final Set<String> OPERATORS = Set.of("and", "or", "unless", "bool", "offset");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|`[^`]*`");
  private static final Pattern TOKEN =
      Pattern.compile(
          "(?<number>\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?(?:(?:ms|[smhdwy])\\d*)*)"
              + "|(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)");
  private static final Map<Character, Character> CLOSING = Map.of(')', '(', '}', '{', ']', '[');

  private PromQl() {}

  /**
   * What is wrong with the expression's shape: unbalanced brackets, an unknown function. Empty when
   * nothing is.
   */
  static List<String> problems(String expr) {
    List<String> problems = new ArrayList<>();
    String code = STRING.matcher(expr).replaceAll("\"\"");
    Deque<Character> open = new ArrayDeque<>();
    for (char c : code.toCharArray()) {
      if (c == '(' || c == '{' || c == '[') {
        open.push(c);
      } else if (CLOSING.containsKey(c)) {
        if (open.isEmpty() || open.pop() != CLOSING.get(c)) {
          problems.add("unbalanced '" + c + "'");
          return problems;
        }
      }
    }
    if (!open.isEmpty()) {
      problems.add("unclosed '" + open.peek() + "'");
      return problems;
    }
    for (Call call : calls(code)) {
      if (!FUNCTIONS.contains(call.name())) {
        problems.add("unknown function " + call.name());
      }
    }
    return problems;
  }

  /** The metric names the expression selects. */
  static Set<String> metricNames(String expr) {
    String code = withoutLabelLists(selectorsAndRangesRemoved(expr));
    Set<String> names = new TreeSet<>();
    Matcher token = TOKEN.matcher(code);
    while (token.find()) {
      String name = token.group("name");
      if (name == null
          || OPERATORS.contains(name)
          || LABEL_LISTS.contains(name)
          || nextChar(code, token.end()) == '(') {
        continue;
      }
      names.add(name);
    }
    return names;
  }

  private record Call(String name) {}

  /** Names applied to a parenthesis: {@code sum by (le) (x)} counts as a call of sum. */
  private static List<Call> calls(String code) {
    String bare = withoutLabelLists(selectorsAndRangesRemoved(code));
    List<Call> calls = new ArrayList<>();
    Matcher token = TOKEN.matcher(bare);
    while (token.find()) {
      String name = token.group("name");
      if (name != null && !OPERATORS.contains(name) && nextChar(bare, token.end()) == '(') {
        calls.add(new Call(name));
      }
    }
    return calls;
  }

  /** Strings, label matchers {@code {...}} and ranges {@code [...]} taken out. */
  private static String selectorsAndRangesRemoved(String expr) {
    String code = STRING.matcher(expr).replaceAll("");
    return code.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
  }

  /** {@code by (le)}, {@code on (instance)} ...: the label names in them are not metrics. */
  private static String withoutLabelLists(String code) {
    return code.replaceAll(
        "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
  }

  private static char nextChar(String code, int from) {
    for (int i = from; i < code.length(); i++) {
      if (!Character.isWhitespace(code.charAt(i))) {
        return code.charAt(i);
      }
    }
    return 0;
  }
}
