package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code global.imageRegistry} and {@code global.imagePullSecrets}, the values an umbrella chart or
 * an air-gapped install sets once for every chart: they reach every pod the chart runs (operator
 * and gateway), and monitoring objects render only where their API exists.
 */
class ChartGlobalValuesTest {
  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  @Test
  void imageRegistryReplacesTheRegistryOfEveryImageAndKeepsThePath() {
    Manifests rendered =
        helm.render(
            "--set", "gateway.enabled=true",
            "--set", "global.imageRegistry=registry.example.com:5000",
            "--set", "gateway.image.digest=sha256:" + "a".repeat(64));

    assertThat(images(rendered))
        .containsExactlyInAnyOrder(
            "registry.example.com:5000/apitoken-dev/apitoken-operator:0.1.0",
            "registry.example.com:5000/apitoken-dev/apitoken-gateway@sha256:" + "a".repeat(64));
  }

  @Test
  void imageRegistryPrefixesARepositoryThatNamesNoRegistry() {
    Manifests rendered =
        helm.render(
            "--set", "image.repository=apitoken/operator",
            "--set", "global.imageRegistry=mirror.internal/");

    assertThat(images(rendered)).containsExactly("mirror.internal/apitoken/operator:0.1.0");
  }

  @Test
  void withoutGlobalsImagesAndPullSecretsAreAsBefore() {
    Manifests rendered = helm.render("--set", "gateway.enabled=true");

    assertThat(images(rendered))
        .containsExactlyInAnyOrder(
            "ghcr.io/apitoken-dev/apitoken-operator:0.1.0",
            "ghcr.io/apitoken-dev/apitoken-gateway:0.1.0");
    for (JsonNode deployment : rendered.ofKind("Deployment")) {
      assertThat(deployment.at("/spec/template/spec").has("imagePullSecrets")).isFalse();
    }
  }

  @Test
  void pullSecretsFromGlobalAndChartReachEveryPodOnce() {
    Manifests rendered =
        helm.render(
            "--set", "gateway.enabled=true",
            "--set", "global.imagePullSecrets[0]=regcred",
            "--set", "global.imagePullSecrets[1].name=mirror-pull",
            "--set", "imagePullSecrets[0].name=regcred",
            "--set", "imagePullSecrets[1].name=team-pull");

    List<JsonNode> deployments = rendered.ofKind("Deployment");
    assertThat(deployments).hasSize(2);
    for (JsonNode deployment : deployments) {
      List<String> names = new ArrayList<>();
      deployment
          .at("/spec/template/spec/imagePullSecrets")
          .forEach(secret -> names.add(secret.path("name").asText()));
      assertThat(names)
          .as(deployment.at("/metadata/name").asText())
          .containsExactly("regcred", "mirror-pull", "team-pull");
    }
  }

  @Test
  void monitoringObjectsRenderOnlyWhereThePrometheusOperatorApiExists() {
    String[] everyMonitoringObject = {
      "--set", "gateway.enabled=true",
      "--set", "metrics.serviceMonitor.enabled=true",
      "--set", "gateway.serviceMonitor.enabled=true",
      "--set", "prometheusRule.enabled=true"
    };

    Helm.Result without = helm.template(everyMonitoringObject);
    assertThat(without.exitCode()).as("%s", without).isZero();
    Manifests absent = Manifests.parse(without.stdout());
    assertThat(absent.ofKind("ServiceMonitor")).isEmpty();
    assertThat(absent.ofKind("PrometheusRule")).isEmpty();
    assertThat(absent.objects())
        .noneMatch(o -> o.path("apiVersion").asText().startsWith("monitoring.coreos.com/"));

    List<String> with = new ArrayList<>(List.of(everyMonitoringObject));
    with.addAll(List.of("--api-versions", Helm.MONITORING_API));
    Manifests present = helm.render(with.toArray(String[]::new));
    assertThat(present.ofKind("ServiceMonitor")).hasSize(2);
    assertThat(present.ofKind("PrometheusRule")).hasSize(1);
  }

  @Test
  void notesSayWhyTheEnabledMonitoringObjectsAreMissing() {
    Helm.Result install =
        helm.run(
            "install",
            Helm.RELEASE,
            helm.chart().toString(),
            "--namespace",
            Helm.NAMESPACE,
            "--dry-run=client",
            "--set",
            "metrics.serviceMonitor.enabled=true");

    assertThat(install.exitCode()).as("%s", install).isZero();
    assertThat(install.stdout()).contains("serves no\nmonitoring.coreos.com/v1 API");
  }

  private static List<String> images(Manifests rendered) {
    List<String> images = new ArrayList<>();
    for (JsonNode deployment : rendered.ofKind("Deployment")) {
      deployment
          .at("/spec/template/spec/containers")
          .forEach(container -> images.add(container.path("image").asText()));
    }
    return images;
  }
}
