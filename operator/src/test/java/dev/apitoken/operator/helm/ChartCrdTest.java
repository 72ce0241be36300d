package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ApiToken CRD shipped in the chart. */
class ChartCrdTest {
  private static final String CRD_FILE = "apitokens.apitoken.dev-v1.yml";

  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  @Test
  void chartCopyIsByteIdenticalToTheGeneratedCrd() throws Exception {
    Path generated = helm.repo().resolve("crds").resolve(CRD_FILE);
    Path chartCopy = helm.chart().resolve("files/crds").resolve(CRD_FILE);

    assertThat(generated).as("checked-in generated CRD").exists();
    assertThat(chartCopy).as("chart's copy of the CRD").exists();
    assertThat(Files.mismatch(generated, chartCopy))
        .as("%s differs from %s: copy it over the chart's", generated, chartCopy)
        .isEqualTo(-1L);
  }

  @Test
  void crdIsRenderedAndKeptOnUninstallByDefault() {
    JsonNode crd = helm.render().one("CustomResourceDefinition");

    assertThat(crd.at("/metadata/name").asText()).isEqualTo("apitokens.apitoken.dev");
    assertThat(crd.at("/spec/group").asText()).isEqualTo("apitoken.dev");
    assertThat(crd.at("/spec/names/kind").asText()).isEqualTo("ApiToken");
    assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
    assertThat(Manifests.stream(crd.at("/spec/versions")).map(v -> v.path("name").asText()))
        .contains("v1alpha1");
    assertThat(crd.at("/metadata/annotations").path("helm.sh/resource-policy").asText())
        .isEqualTo("keep");
  }

  @Test
  void crdIsNotKeptWhenCrdsKeepIsFalse() {
    JsonNode crd = helm.render("--set", "crds.keep=false").one("CustomResourceDefinition");

    assertThat(crd.at("/metadata/annotations").has("helm.sh/resource-policy")).isFalse();
  }

  @Test
  void noCrdWhenCrdsInstallIsFalse() {
    Manifests rendered = helm.render("--set", "crds.install=false");

    assertThat(rendered.ofKind("CustomResourceDefinition")).isEmpty();
    assertThat(rendered.ofKind("Deployment")).hasSize(1);
  }

  @Test
  void renderedCrdKeepsTheSchemaOfTheFile() throws Exception {
    JsonNode file =
        new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
            .readTree(helm.chart().resolve("files/crds").resolve(CRD_FILE).toFile());
    JsonNode rendered = helm.render().one("CustomResourceDefinition");

    assertThat(rendered.path("spec")).isEqualTo(file.path("spec"));
  }
}
