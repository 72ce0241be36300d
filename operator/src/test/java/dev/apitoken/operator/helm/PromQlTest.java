package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The chart tests' PromQL checks find what they must, so a typo in a rule cannot slip by. */
class PromQlTest {
  @ParameterizedTest(name = "{0} selects {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "max(apitoken_leader) | apitoken_leader",
        "sum by (le) (rate(a_bucket{job=\"x\",le!=\"1\"}[5m])) | a_bucket",
        "time() - max by (exported_namespace, namespace, name) (b_seconds) > 900 | b_seconds",
        "(x - time() < 3) and on (namespace, name) (y < time()) | x y",
        "max(k and on (instance) (l == 1)) > 2.5e3 | k l",
        "sum(rate(c_total[$__rate_interval])) | c_total",
        "(sum by (namespace) (d) < 1) or absent(d) | d",
        "sum(rate(e[5m] offset 1h)) by (reason) | e",
        "label_replace(f, \"dst\", \"$1\", \"src\", \"(.*)\") | f",
      })
  void findsTheMetricNames(String expr, String names) {
    assertThat(PromQl.metricNames(expr)).containsExactlyInAnyOrder(names.split(" "));
    assertThat(PromQl.problems(expr)).isEmpty();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "max(apitoken_leader | unclosed '('",
        "max(a{job=\"x\") | unbalanced ')'",
        "rate(a[5m)) | unbalanced ')'",
        "sum(a)) | unbalanced ')'",
        "histogram_quantil(0.99, a) | unknown function histogram_quantil",
        "maxx by (x) (a) | unknown function maxx",
      })
  void reportsMalformedExpressions(String expr, String problem) {
    assertThat(PromQl.problems(expr)).containsExactly(problem);
  }
}
