package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Deployment options a platform needs beyond the defaults: security contexts the platform assigns
 * (OpenShift restricted-v2), spreading, extra flags and environment, a pinned image, common labels,
 * the disruption budget and where the ServiceMonitor lives.
 */
class ChartOptionsTest {
  private static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  @Test
  void securityContextsSetToNullLeaveTheUserIdToThePlatform() {
    Manifests rendered =
        helm.render("--set", "podSecurityContext=null", "--set", "securityContext=null");
    JsonNode podSpec = rendered.one("Deployment").at("/spec/template/spec");

    assertThat(podSpec.findValues("runAsUser")).isEmpty();
    assertThat(podSpec.findValues("runAsGroup")).isEmpty();
    assertThat(podSpec.findValues("fsGroup")).isEmpty();
    assertThat(podSpec.has("securityContext")).isFalse();
    assertThat(rendered.operatorContainer().has("securityContext")).isFalse();
  }

  @Test
  void nullingOnlyTheIdsKeepsTheRestOfTheHardening() {
    Manifests rendered =
        helm.render(
            "--set", "podSecurityContext.runAsUser=null",
            "--set", "podSecurityContext.runAsGroup=null",
            "--set", "podSecurityContext.fsGroup=null",
            "--set", "securityContext.runAsUser=null",
            "--set", "securityContext.runAsGroup=null");
    JsonNode podSpec = rendered.one("Deployment").at("/spec/template/spec");
    JsonNode container = rendered.operatorContainer().path("securityContext");

    assertThat(podSpec.findValues("runAsUser")).isEmpty();
    assertThat(podSpec.findValues("fsGroup")).isEmpty();
    assertThat(podSpec.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(Manifests.strings(container.at("/capabilities/drop"))).containsExactly("ALL");
    assertThat(container.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
  }

  @Test
  void topologySpreadConstraintsWithoutASelectorSelectTheOperatorPods() {
    Manifests rendered =
        helm.render(
            "--set-json",
            "topologySpreadConstraints=[{\"maxSkew\":1,\"topologyKey\":\"topology.kubernetes.io/zone\","
                + "\"whenUnsatisfiable\":\"ScheduleAnyway\"},{\"maxSkew\":2,\"topologyKey\":"
                + "\"kubernetes.io/hostname\",\"whenUnsatisfiable\":\"DoNotSchedule\","
                + "\"labelSelector\":{\"matchLabels\":{\"team\":\"identity\"}}}]");
    JsonNode deployment = rendered.one("Deployment");
    JsonNode constraints = deployment.at("/spec/template/spec/topologySpreadConstraints");

    assertThat(constraints).hasSize(2);
    assertThat(constraints.get(0).path("topologyKey").asText())
        .isEqualTo("topology.kubernetes.io/zone");
    assertThat(constraints.get(0).at("/labelSelector/matchLabels"))
        .isEqualTo(deployment.at("/spec/selector/matchLabels"));
    assertThat(constraints.get(1).at("/labelSelector/matchLabels/team").asText())
        .isEqualTo("identity");
    assertThat(constraints.get(1).at("/labelSelector/matchLabels").size()).isEqualTo(1);
  }

  @Test
  void extraArgsAndExtraEnvReachTheOperatorContainer() {
    Manifests rendered =
        helm.render(
            "--set-json",
            "extraArgs=[\"--log-level=debug\"]",
            "--set-json",
            "extraEnv=[{\"name\":\"JAVA_TOOL_OPTIONS\",\"value\":\"-XX:+ExitOnOutOfMemoryError\"},"
                + "{\"name\":\"PROXY_PASSWORD\",\"valueFrom\":{\"secretKeyRef\":"
                + "{\"name\":\"proxy\",\"key\":\"password\"}}}]");
    JsonNode container = rendered.operatorContainer();

    assertThat(Manifests.strings(container.path("args"))).containsExactly("--log-level=debug");
    assertThat(rendered.operatorEnv())
        .containsEntry("JAVA_TOOL_OPTIONS", "-XX:+ExitOnOutOfMemoryError")
        .containsEntry("APITOKEN_ISSUER", "https://apitoken-operator.local");
    Map<String, JsonNode> env =
        Manifests.byName(Manifests.stream(container.path("env")).toList(), e -> e);
    assertThat(env.get("PROXY_PASSWORD").at("/valueFrom/secretKeyRef/name").asText())
        .isEqualTo("proxy");
  }

  @Test
  void noArgsByDefault() {
    assertThat(helm.render().operatorContainer().has("args")).isFalse();
  }

  @Test
  void imageDigestPinsTheImage() {
    Manifests rendered = helm.render("--set", "image.digest=" + DIGEST, "--set", "image.tag=1.2.3");

    assertThat(rendered.operatorContainer().path("image").asText())
        .isEqualTo("ghcr.io/apitoken-dev/apitoken-operator@" + DIGEST);
  }

  @Test
  void commonLabelsAreOnEveryObjectButNeverInTheSelector() {
    Manifests rendered =
        helm.render(
            "--set",
            "commonLabels.team=identity",
            "--set",
            "commonLabels.app\\.kubernetes\\.io/name=other",
            "--set",
            "metrics.serviceMonitor.enabled=true",
            "--api-versions",
            Helm.MONITORING_API);

    for (JsonNode object : rendered.objects()) {
      JsonNode labels = object.at("/metadata/labels");
      assertThat(labels.path("team").asText())
          .as("%s labels", object.path("kind").asText())
          .isEqualTo("identity");
      assertThat(labels.path("app.kubernetes.io/name").asText()).isEqualTo("apitoken-operator");
    }
    JsonNode deployment = rendered.one("Deployment");
    assertThat(deployment.at("/spec/template/metadata/labels/team").asText()).isEqualTo("identity");
    assertThat(deployment.at("/spec/selector/matchLabels").has("team")).isFalse();
    assertThat(
            rendered
                .one("Service", Helm.NAMESPACE, "apitoken-apitoken-operator-metrics")
                .at("/spec/selector")
                .has("team"))
        .isFalse();
  }

  @ParameterizedTest(name = "minAvailable={0}")
  @CsvSource({"1, 1", "50%, 50%"})
  void minAvailableReplacesMaxUnavailable(String setting, String expected) {
    JsonNode budget =
        helm.render("--set", "podDisruptionBudget.minAvailable=" + setting)
            .one("PodDisruptionBudget");

    assertThat(budget.at("/spec/minAvailable").asText()).isEqualTo(expected);
    assertThat(budget.at("/spec").has("maxUnavailable")).isFalse();
  }

  @Test
  void maxUnavailableOneByDefault() {
    JsonNode budget = helm.render().one("PodDisruptionBudget");

    assertThat(budget.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(budget.at("/spec").has("minAvailable")).isFalse();
  }

  @Test
  void serviceMonitorCanLiveInAnotherNamespaceAndRelabel() {
    JsonNode monitor =
        helm.render(
                "--set",
                "metrics.serviceMonitor.enabled=true",
                "--api-versions",
                Helm.MONITORING_API,
                "--set",
                "metrics.serviceMonitor.namespace=monitoring",
                "--set-json",
                "metrics.serviceMonitor.relabelings=[{\"action\":\"replace\",\"sourceLabels\":"
                    + "[\"__meta_kubernetes_pod_node_name\"],\"targetLabel\":\"node\"}]")
            .one("ServiceMonitor");

    assertThat(monitor.at("/metadata/namespace").asText()).isEqualTo("monitoring");
    // it still scrapes the metrics Service in the release namespace
    assertThat(Manifests.strings(monitor.at("/spec/namespaceSelector/matchNames")))
        .containsExactly(Helm.NAMESPACE);
    JsonNode relabeling = monitor.at("/spec/endpoints/0/relabelings/0");
    assertThat(relabeling.path("targetLabel").asText()).isEqualTo("node");
    assertThat(Manifests.strings(relabeling.path("sourceLabels")))
        .containsExactly("__meta_kubernetes_pod_node_name");
  }

  @Test
  void serviceMonitorDefaultsToTheReleaseNamespaceWithoutRelabelings() {
    JsonNode monitor =
        helm.render(
                "--set",
                "metrics.serviceMonitor.enabled=true",
                "--api-versions",
                Helm.MONITORING_API)
            .one("ServiceMonitor");

    assertThat(monitor.at("/metadata/namespace").asText()).isEqualTo(Helm.NAMESPACE);
    assertThat(monitor.at("/spec/endpoints/0").has("relabelings")).isFalse();
  }

  @ParameterizedTest(name = "--set {0} is rejected: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "image.digest=latest                    | digest",
        "image.digest=sha256:abc                | digest",
        "extraArgs={debug}                      | extraArgs",
        "podDisruptionBudget.minAvailable=half  | minAvailable",
        "podSecurityContext.runAsUsr=1          | runAsUsr",
        "securityContext.privileged=yes         | privileged",
        "metrics.serviceMonitor.namespace=Mon_1 | namespace",
        "topologySpreadConstraints[0].maxSkew=1 | topologyKey",
      })
  void schemaRejects(String setting, String mentioned) {
    Helm.Result result = helm.template("--set", setting);

    assertThat(result.exitCode()).as("%s", result).isNotZero();
    assertThat(result.stderr()).contains("schema").contains(mentioned);
  }
}
