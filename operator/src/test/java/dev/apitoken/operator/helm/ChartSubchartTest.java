package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart as a dependency of an umbrella chart: Helm hands every subchart the umbrella's {@code
 * global} values, so a schema that rejects unknown keys must still accept {@code global}.
 */
class ChartSubchartTest {
  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  @Test
  void rendersAsASubchartOfAnUmbrellaThatSetsGlobalValues(@TempDir Path dir) throws IOException {
    Path umbrella = dir.resolve("umbrella");
    Files.createDirectories(umbrella);
    Files.writeString(
        umbrella.resolve("Chart.yaml"),
        """
        apiVersion: v2
        name: umbrella
        version: 0.0.1
        dependencies:
          - name: apitoken-operator
            version: ">=0.0.0-0"
            repository: "file://%s"
        """
            .formatted(helm.chart()));
    Files.writeString(
        umbrella.resolve("values.yaml"),
        """
        global:
          imageRegistry: registry.example.com
          imagePullSecrets: [regcred]
          storageClass: fast
        apitoken-operator:
          issuer: https://tokens.example.com
        """);

    Helm.Result dependencies = helm.run("dependency", "update", umbrella.toString());
    assertThat(dependencies.exitCode()).as("%s", dependencies).isZero();
    Helm.Result rendered =
        helm.run("template", "platform", umbrella.toString(), "--namespace", Helm.NAMESPACE);

    assertThat(rendered.exitCode()).as("%s", rendered).isZero();
    Manifests manifests = Manifests.parse(rendered.stdout());
    assertThat(manifests.operatorEnv())
        .containsEntry("APITOKEN_ISSUER", "https://tokens.example.com");
    assertThat(manifests.one("Deployment").at("/metadata/name").asText())
        .isEqualTo("platform-apitoken-operator");
  }
}
