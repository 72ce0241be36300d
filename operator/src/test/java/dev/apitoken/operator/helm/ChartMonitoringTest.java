package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.operator.testing.LiveScrape;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The chart's PrometheusRule and Grafana dashboard: off by default, rendered with the thresholds
 * and labels the values give, and querying only metrics the operator really serves (checked against
 * {@link LiveScrape}, a scrape of the real operator).
 */
class ChartMonitoringTest {
  /**
   * Metrics an alert or panel may use although the shared run does not cause them: each is
   * registered the first time its event happens (listed so in docs/OBSERVABILITY.md), and the run
   * has none.
   */
  private static final Map<String, String> REGISTERED_ON_FIRST_EVENT =
      Map.of(
          "apitoken_state_writes_refused_total", "the first write the API server refuses",
          "apitoken_token_issues_throttled_total", "the first issue the budget defers",
          "apitoken_revocation_source_disagreements_total",
              "the first copy that held revocations the ledger lacked",
          "apitoken_state_restores_total", "the first state object restored",
          "apitoken_trust_namespace_refusing", "the first namespace refusing its copy",
          "apitoken_state_rollbacks_total", "the first rollback of the state found");

  private static final List<String> ALERTS =
      List.of(
          "ApiTokenRevocationNotPublished",
          "ApiTokenRevocationPropagationSlow",
          "ApiTokenRenewalOverdue",
          "ApiTokenExpiringWithoutRenewal",
          "ApiTokenSigningKeyNotRotated",
          "ApiTokenStateNearSizeLimit",
          "ApiTokenStateWritesRefused",
          "ApiTokenTrustCopyRefused",
          "ApiTokenOperatorStateRolledBack",
          "ApiTokenIndexSpaceNearlyExhausted",
          "ApiTokenIssueFailures",
          "ApiTokenOperatorNoLeader");

  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  @Test
  void defaultsRenderNeitherRulesNorDashboard() {
    Manifests rendered = helm.render();

    assertThat(rendered.ofKind("PrometheusRule")).isEmpty();
    assertThat(rendered.ofKind("ConfigMap"))
        .noneMatch(c -> c.at("/metadata/name").asText().endsWith("-dashboard"));
  }

  @Test
  void enabledRulesCarryEveryAlertWithSeverityAndRunbook() {
    JsonNode rule =
        helm.render(
                "--set",
                "prometheusRule.enabled=true",
                "--api-versions",
                Helm.MONITORING_API,
                "--set",
                "prometheusRule.labels.release=kube-prometheus-stack",
                "--set",
                "prometheusRule.alertLabels.team=identity")
            .one("PrometheusRule");

    assertThat(rule.at("/metadata/namespace").asText()).isEqualTo(Helm.NAMESPACE);
    assertThat(rule.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
    Map<String, JsonNode> alerts = alerts(rule);
    assertThat(alerts.keySet()).containsExactlyElementsOf(ALERTS);
    alerts.forEach(
        (name, alert) -> {
          assertThat(alert.at("/labels/severity").asText()).as(name).isIn("warning", "critical");
          assertThat(alert.at("/labels/team").asText()).as(name).isEqualTo("identity");
          for (String annotation : List.of("summary", "description", "runbook")) {
            assertThat(alert.at("/annotations/" + annotation).asText())
                .as("%s annotation %s", name, annotation)
                .hasSizeGreaterThan(20);
          }
          assertThat(alert.at("/annotations").has("runbook_url")).as(name).isFalse();
          assertThat(PromQl.problems(alert.path("expr").asText()))
              .as("%s: %s", name, alert.path("expr").asText())
              .isEmpty();
        });
  }

  @Test
  void thresholdsRunbookUrlAndNamespaceComeFromValues() {
    JsonNode rule =
        helm.render(
                "--set",
                "prometheusRule.enabled=true",
                "--api-versions",
                Helm.MONITORING_API,
                "--set",
                "prometheusRule.namespace=monitoring",
                "--set",
                "prometheusRule.runbookUrl=https://runbooks.example.com/apitoken",
                "--set",
                "prometheusRule.unpublishedSeconds=12",
                "--set",
                "prometheusRule.propagationP99Seconds=2.5",
                "--set",
                "prometheusRule.renewalOverdueSeconds=60",
                "--set",
                "prometheusRule.expiringWithinSeconds=7200",
                "--set",
                "prometheusRule.stateSizeRatio=0.6",
                "--set",
                "prometheusRule.indexSpaceRatio=0.7",
                "--set",
                "prometheusRule.issueFailures=9",
                "--set",
                "prometheusRule.noLeaderFor=30s",
                "--set",
                "prometheusRule.keyRotationGraceSeconds=60",
                "--set",
                "keyRotationPeriod=26h3m4s")
            .one("PrometheusRule");
    Map<String, JsonNode> alerts = alerts(rule);

    assertThat(rule.at("/metadata/namespace").asText()).isEqualTo("monitoring");
    assertThat(expr(alerts, "ApiTokenRevocationNotPublished")).endsWith("> 12");
    assertThat(expr(alerts, "ApiTokenRevocationPropagationSlow")).endsWith("> 2.5");
    assertThat(expr(alerts, "ApiTokenRenewalOverdue")).endsWith("> 60");
    assertThat(expr(alerts, "ApiTokenExpiringWithoutRenewal")).contains("< 7200)");
    assertThat(expr(alerts, "ApiTokenStateNearSizeLimit")).endsWith("> 0.6");
    assertThat(expr(alerts, "ApiTokenIndexSpaceNearlyExhausted")).endsWith("> 0.7");
    assertThat(expr(alerts, "ApiTokenIssueFailures")).endsWith("> 9");
    assertThat(alerts.get("ApiTokenOperatorNoLeader").path("for").asText()).isEqualTo("30s");
    // 26h3m4s is 93784 s, plus the grace.
    assertThat(expr(alerts, "ApiTokenSigningKeyNotRotated")).endsWith("> 93844");
    assertThat(alerts.get("ApiTokenRenewalOverdue").at("/annotations/runbook_url").asText())
        .isEqualTo("https://runbooks.example.com/apitoken#apitokenrenewaloverdue");
  }

  @Test
  void perTokenAlertsNameTheApiTokenWhicheverLabelItsNamespaceEndsUpIn() {
    Map<String, JsonNode> alerts =
        alerts(
            helm.render(
                    "--set", "prometheusRule.enabled=true", "--api-versions", Helm.MONITORING_API)
                .one("PrometheusRule"));

    for (String name : List.of("ApiTokenRenewalOverdue", "ApiTokenExpiringWithoutRenewal")) {
      assertThat(expr(alerts, name)).contains("by (exported_namespace, namespace, name)");
      assertThat(alerts.get(name).at("/annotations/summary").asText())
          .contains("{{ or $labels.exported_namespace $labels.namespace }}/{{ $labels.name }}");
    }
  }

  @ParameterizedTest(name = "--set {0} is rejected")
  @CsvSource(
      delimiter = '|',
      value = {
        "prometheusRule.enabeld=true          | enabeld",
        "prometheusRule.stateSizeRatio=2      | stateSizeRatio",
        "prometheusRule.indexSpaceRatio=1.5   | indexSpaceRatio",
        "prometheusRule.unpublishedSeconds=0  | unpublishedSeconds",
        "prometheusRule.noLeaderFor=soon      | noLeaderFor",
        "prometheusRule.runbookUrl=runbooks   | runbookUrl",
        "grafanaDashboard.label.a=b           | label",
      })
  void schemaRejects(String setting, String mentioned) {
    Helm.Result result = helm.template("--set", setting);

    assertThat(result.exitCode()).as("%s", result).isNotZero();
    assertThat(result.stderr()).contains("schema").contains(mentioned);
  }

  @Test
  void dashboardConfigMapCarriesTheDashboardFileForTheSidecar() throws Exception {
    JsonNode configMap =
        helm.render(
                "--set",
                "grafanaDashboard.enabled=true",
                "--set",
                "grafanaDashboard.annotations.grafana_folder=Security")
            .one("ConfigMap");
    JsonNode file =
        new ObjectMapper().readTree(helm.chart().resolve("files/grafana-dashboard.json").toFile());

    assertThat(configMap.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(configMap.at("/metadata/annotations/grafana_folder").asText()).isEqualTo("Security");
    assertThat(new ObjectMapper().readTree(configMap.at("/data/apitoken-operator.json").asText()))
        .isEqualTo(file);
    assertThat(file.path("uid").asText()).isEqualTo("apitoken-operator");
    for (JsonNode panel : panels(file)) {
      assertThat(panel.at("/datasource/uid").asText())
          .as("panel %s uses the dashboard's data source variable", panel.path("title"))
          .isEqualTo("${datasource}");
    }
  }

  @Test
  void everyDashboardQueryIsWellFormed() throws Exception {
    for (Map.Entry<String, String> query : dashboardQueries().entrySet()) {
      assertThat(PromQl.problems(query.getValue())).as(query.getKey()).isEmpty();
    }
  }

  @Test
  void everyMetricInEveryAlertAndPanelIsOnTheLiveMetricsEndpoint() throws Exception {
    Map<String, String> queries = new LinkedHashMap<>();
    alerts(
            helm.render(
                    "--set", "prometheusRule.enabled=true", "--api-versions", Helm.MONITORING_API)
                .one("PrometheusRule"))
        .forEach((name, alert) -> queries.put("alert " + name, alert.path("expr").asText()));
    queries.putAll(dashboardQueries());
    Set<String> served = LiveScrape.get().sampleNames();
    String observability = Files.readString(helm.repo().resolve("docs/OBSERVABILITY.md"));

    Set<String> used = new TreeSet<>();
    List<String> missing = new ArrayList<>();
    queries.forEach(
        (where, expr) -> {
          Set<String> names = PromQl.metricNames(expr);
          assertThat(names).as("metrics in %s: %s", where, expr).isNotEmpty();
          used.addAll(names);
          names.stream()
              .filter(name -> !served.contains(name))
              .filter(name -> !REGISTERED_ON_FIRST_EVENT.containsKey(name))
              .forEach(name -> missing.add(where + ": " + name));
        });

    assertThat(missing).as("metrics queried but not on /metrics").isEmpty();
    assertThat(used)
        .as("the per-token and new gauges are queried")
        .contains(
            "apitoken_token_expiration_timestamp_seconds",
            "apitoken_token_renewal_timestamp_seconds",
            "apitoken_leader",
            "apitoken_state_size_ratio",
            "apitoken_trust_publish_pending_seconds",
            "apitoken_revocation_propagation_seconds_bucket");
    // The allow-list holds only names the docs list as registered on first occurrence.
    for (String lazy : REGISTERED_ON_FIRST_EVENT.keySet()) {
      assertThat(observability).as("docs/OBSERVABILITY.md documents %s", lazy).contains("`" + lazy);
    }
  }

  private static Map<String, JsonNode> alerts(JsonNode rule) {
    Map<String, JsonNode> alerts = new LinkedHashMap<>();
    for (JsonNode group : rule.at("/spec/groups")) {
      for (JsonNode alert : group.path("rules")) {
        alerts.put(alert.path("alert").asText(), alert);
      }
    }
    return alerts;
  }

  private static String expr(Map<String, JsonNode> alerts, String name) {
    return alerts.get(name).path("expr").asText().strip();
  }

  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      if (!"row".equals(panel.path("type").asText())) {
        panels.add(panel);
      }
    }
    return panels;
  }

  private static Map<String, String> dashboardQueries() throws Exception {
    JsonNode dashboard =
        new ObjectMapper().readTree(helm.chart().resolve("files/grafana-dashboard.json").toFile());
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode panel : panels(dashboard)) {
      for (JsonNode target : panel.path("targets")) {
        queries.put(
            "panel " + panel.path("title").asText() + " " + target.path("refId").asText(),
            target.path("expr").asText());
      }
    }
    assertThat(queries).as("dashboard queries").hasSizeGreaterThan(15);
    return queries;
  }
}
