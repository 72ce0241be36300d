package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator Deployment and its companions, as {@code helm template} renders them. */
class ChartDeploymentTest {
  private static Helm helm;
  private static Manifests defaults;

  @BeforeAll
  static void renderDefaults() {
    helm = Helm.get();
    defaults = helm.render();
  }

  @Test
  void podRunsAsNonRootUser65532WithRuntimeDefaultSeccomp() {
    JsonNode pod = defaults.one("Deployment").at("/spec/template/spec/securityContext");

    assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.path("runAsUser").asInt()).isEqualTo(65532);
    assertThat(pod.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
  }

  @Test
  void containerIsLockedDown() {
    JsonNode container = defaults.operatorContainer().path("securityContext");

    assertThat(container.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.path("runAsUser").asInt()).isEqualTo(65532);
    assertThat(container.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.path("allowPrivilegeEscalation").isBoolean()).isTrue();
    assertThat(container.path("allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(Manifests.strings(container.at("/capabilities/drop"))).containsExactly("ALL");
    assertThat(container.at("/capabilities/add").isMissingNode()).isTrue();
    assertThat(container.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
  }

  @Test
  void tmpIsAWritableEmptyDirBecauseTheRootFilesystemIsReadOnly() {
    JsonNode podSpec = defaults.one("Deployment").at("/spec/template/spec");
    JsonNode mount =
        Manifests.stream(defaults.operatorContainer().path("volumeMounts"))
            .filter(m -> m.path("mountPath").asText().equals("/tmp"))
            .findFirst()
            .orElseThrow();
    JsonNode volume =
        Manifests.stream(podSpec.path("volumes"))
            .filter(v -> v.path("name").asText().equals(mount.path("name").asText()))
            .findFirst()
            .orElseThrow();

    assertThat(volume.has("emptyDir")).isTrue();
    assertThat(mount.path("readOnly").asBoolean(false)).isFalse();
  }

  @Test
  void probesCheckHealthzAndReadyzOnTheHttpPort() {
    JsonNode container = defaults.operatorContainer();
    JsonNode port = container.path("ports").get(0);

    assertThat(port.path("name").asText()).isEqualTo("http");
    assertThat(port.path("containerPort").asInt()).isEqualTo(8080);
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("http");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("http");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/healthz");
  }

  @Test
  void defaultEnvironmentMatchesTheOperatorDefaults() {
    assertThat(defaults.operatorEnv())
        .containsEntry("APITOKEN_ISSUER", "https://apitoken-operator.local")
        .containsEntry("APITOKEN_DEFAULT_TTL", "720h")
        .containsEntry("APITOKEN_MAX_TTL", "8760h")
        .containsEntry("APITOKEN_KEY_ROTATION_PERIOD", "720h")
        .containsEntry("APITOKEN_TRUST_CONFIGMAP", "apitoken-trust")
        .containsEntry("APITOKEN_KEY_RING_SECRET", "apitoken-signing-keys")
        .containsEntry("APITOKEN_WATCH_NAMESPACES", "")
        .containsEntry("APITOKEN_TARGET_NAMESPACE_SELECTOR", "")
        .containsEntry("APITOKEN_LEADER_ELECTION", "true")
        .containsEntry("APITOKEN_LEASE_NAME", "apitoken-operator-leader")
        .containsEntry("APITOKEN_HTTP_PORT", "8080")
        .containsEntry("APITOKEN_LOG_FORMAT", "text")
        .containsEntry("APITOKEN_LOG_LEVEL", "info")
        // empty statusListUri: the status Service's in-cluster URL, the gateway's trust origin
        .containsEntry(
            "APITOKEN_STATUS_LIST_URI",
            "http://apitoken-apitoken-operator-status.apitoken-system.svc/statuslist");
  }

  @Test
  void operatorNamespaceComesFromTheDownwardApi() {
    Map<String, String> fieldRefs =
        Manifests.stream(defaults.operatorContainer().path("env"))
            .filter(e -> e.has("valueFrom"))
            .collect(
                java.util.stream.Collectors.toMap(
                    e -> e.path("name").asText(),
                    e -> e.at("/valueFrom/fieldRef/fieldPath").asText()));

    assertThat(fieldRefs)
        .containsEntry("APITOKEN_OPERATOR_NAMESPACE", "metadata.namespace")
        .containsEntry("POD_NAMESPACE", "metadata.namespace")
        .containsEntry("POD_NAME", "metadata.name");
  }

  @Test
  void valuesReachTheEnvironment() {
    Manifests rendered =
        helm.render(
            "--set", "issuer=https://tokens.example.com",
            "--set", "statusListUri=https://tokens.example.com/status",
            "--set", "defaultTtl=1h30m",
            "--set", "maxTtl=720h",
            "--set", "keyRotationPeriod=168h",
            "--set", "trustConfigMapName=trust",
            "--set", "keyRingSecretName=keys",
            "--set", "targetNamespaceSelector=apitoken.dev/trust=enabled",
            "--set", "leaderElection.leaseName=my-lease",
            "--set", "metrics.port=9090",
            "--set", "logFormat=json",
            "--set", "logLevel=debug");

    assertThat(rendered.operatorEnv())
        .containsEntry("APITOKEN_ISSUER", "https://tokens.example.com")
        .containsEntry("APITOKEN_STATUS_LIST_URI", "https://tokens.example.com/status")
        .containsEntry("APITOKEN_DEFAULT_TTL", "1h30m")
        .containsEntry("APITOKEN_MAX_TTL", "720h")
        .containsEntry("APITOKEN_KEY_ROTATION_PERIOD", "168h")
        .containsEntry("APITOKEN_TRUST_CONFIGMAP", "trust")
        .containsEntry("APITOKEN_KEY_RING_SECRET", "keys")
        .containsEntry("APITOKEN_TARGET_NAMESPACE_SELECTOR", "apitoken.dev/trust=enabled")
        .containsEntry("APITOKEN_LEASE_NAME", "my-lease")
        .containsEntry("APITOKEN_HTTP_PORT", "9090")
        .containsEntry("APITOKEN_LOG_FORMAT", "json")
        .containsEntry("APITOKEN_LOG_LEVEL", "debug");
    assertThat(rendered.operatorContainer().at("/ports/0/containerPort").asInt()).isEqualTo(9090);
    assertThat(
            rendered
                .one("Service", Helm.NAMESPACE, "apitoken-apitoken-operator-metrics")
                .at("/spec/ports/0/port")
                .asInt())
        .isEqualTo(9090);
  }

  @Test
  void twoReplicasWithADisruptionBudgetByDefault() {
    JsonNode deployment = defaults.one("Deployment");
    JsonNode budget = defaults.one("PodDisruptionBudget");

    assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
    assertThat(deployment.at("/spec/template/spec/terminationGracePeriodSeconds").isInt()).isTrue();
    assertThat(budget.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(budget.at("/spec/selector/matchLabels"))
        .isEqualTo(deployment.at("/spec/selector/matchLabels"));
  }

  @Test
  void noDisruptionBudgetForASingleReplica() {
    Manifests rendered = helm.render("--set", "replicaCount=1");

    assertThat(rendered.ofKind("PodDisruptionBudget")).isEmpty();
    assertThat(rendered.one("Deployment").at("/spec/replicas").asInt()).isEqualTo(1);
  }

  @Test
  void severalReplicasWithoutLeaderElectionAreRefused() {
    Helm.Result result = helm.template("--set", "leaderElection.enabled=false");

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("leaderElection.enabled");
  }

  @Test
  void podTemplateCarriesStandardLabelsAndUserMetadata() {
    Manifests rendered =
        helm.render(
            "--set", "podLabels.team=identity",
            "--set", "podAnnotations.example\\.com/owner=identity",
            "--set", "priorityClassName=system-cluster-critical",
            "--set", "nodeSelector.kubernetes\\.io/os=linux");
    JsonNode template = rendered.one("Deployment").at("/spec/template");

    assertThat(template.at("/metadata/labels/team").asText()).isEqualTo("identity");
    assertThat(template.at("/metadata/labels").has("app.kubernetes.io/name")).isTrue();
    assertThat(template.at("/metadata/labels").has("app.kubernetes.io/instance")).isTrue();
    assertThat(template.at("/metadata/annotations").path("example.com/owner").asText())
        .isEqualTo("identity");
    assertThat(template.at("/spec/priorityClassName").asText())
        .isEqualTo("system-cluster-critical");
    assertThat(template.at("/spec/nodeSelector").path("kubernetes.io/os").asText())
        .isEqualTo("linux");
  }

  @Test
  void podLabelsAndServiceMonitorLabelsRepeatingAStandardKeyRenderEachKeyOnce() {
    // Manifests.parse fails on a key that appears twice in one mapping
    Manifests rendered =
        helm.render(
            "--set",
            "podLabels.app\\.kubernetes\\.io/name=other",
            "--set",
            "podLabels.app\\.kubernetes\\.io/component=mine",
            "--set",
            "podLabels.team=identity",
            "--set",
            "metrics.serviceMonitor.enabled=true",
            "--api-versions",
            Helm.MONITORING_API,
            "--set",
            "metrics.serviceMonitor.labels.app\\.kubernetes\\.io/instance=other",
            "--set",
            "metrics.serviceMonitor.labels.release=prometheus");
    JsonNode deployment = rendered.one("Deployment");
    JsonNode podLabels = deployment.at("/spec/template/metadata/labels");

    assertThat(podLabels.path("team").asText()).isEqualTo("identity");
    assertThat(podLabels.path("app.kubernetes.io/component").asText()).isEqualTo("operator");
    deployment
        .at("/spec/selector/matchLabels")
        .fields()
        .forEachRemaining(
            selector ->
                assertThat(podLabels.path(selector.getKey()).asText())
                    .as("pod label %s", selector.getKey())
                    .isEqualTo(selector.getValue().asText()));
    JsonNode monitorLabels = rendered.one("ServiceMonitor").at("/metadata/labels");
    assertThat(monitorLabels.path("app.kubernetes.io/instance").asText()).isEqualTo(Helm.RELEASE);
    assertThat(monitorLabels.path("release").asText()).isEqualTo("prometheus");
  }

  @Test
  void everyObjectHasTheStandardLabels() {
    for (JsonNode object : defaults.objects()) {
      JsonNode labels = object.at("/metadata/labels");
      assertThat(labels.path("app.kubernetes.io/name").asText())
          .as("%s labels", object.path("kind").asText())
          .isEqualTo("apitoken-operator");
      assertThat(labels.path("app.kubernetes.io/instance").asText()).isEqualTo(Helm.RELEASE);
      assertThat(labels.path("app.kubernetes.io/managed-by").asText()).isEqualTo("Helm");
      assertThat(labels.has("app.kubernetes.io/version")).isTrue();
      assertThat(labels.has("helm.sh/chart")).isTrue();
    }
  }

  @Test
  void metricsServiceSelectsTheOperatorPodsAndServiceMonitorIsOptIn() {
    JsonNode service =
        defaults.one("Service", Helm.NAMESPACE, "apitoken-apitoken-operator-metrics");

    assertThat(service.at("/spec/selector"))
        .isEqualTo(defaults.one("Deployment").at("/spec/selector/matchLabels"));
    assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
    assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();

    Manifests monitored =
        helm.render(
            "--set",
            "metrics.serviceMonitor.enabled=true",
            "--api-versions",
            Helm.MONITORING_API,
            "--set",
            "metrics.serviceMonitor.labels.release=prometheus");
    JsonNode monitor = monitored.one("ServiceMonitor");
    assertThat(monitor.at("/spec/endpoints/0/port").asText())
        .isEqualTo(service.at("/spec/ports/0/name").asText());
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
    assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("prometheus");

    Manifests withoutMetrics = helm.render("--set", "metrics.enabled=false");
    assertThat(withoutMetrics.ofKind("Service"))
        .extracting(o -> o.at("/metadata/name").asText())
        .containsExactly("apitoken-apitoken-operator-status");
    // the probes still need the HTTP server
    assertThat(withoutMetrics.operatorContainer().at("/ports/0/name").asText()).isEqualTo("http");
  }

  @Test
  void serviceAccountCanBeBroughtByTheUser() {
    Manifests rendered =
        helm.render("--set", "serviceAccount.create=false", "--set", "serviceAccount.name=mine");

    assertThat(rendered.ofKind("ServiceAccount")).isEmpty();
    assertThat(rendered.one("Deployment").at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo("mine");
    assertThat(helm.template("--set", "serviceAccount.create=false").exitCode()).isNotZero();
  }

  @Test
  void imageDefaultsToTheAppVersion() throws Exception {
    String appVersion =
        new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
            .readTree(helm.chart().resolve("Chart.yaml").toFile())
            .path("appVersion")
            .asText();

    assertThat(defaults.operatorContainer().path("image").asText()).endsWith(":" + appVersion);
    assertThat(
            helm.render("--set", "image.repository=registry.local/op", "--set", "image.tag=dev")
                .operatorContainer()
                .path("image")
                .asText())
        .isEqualTo("registry.local/op:dev");
  }
}
