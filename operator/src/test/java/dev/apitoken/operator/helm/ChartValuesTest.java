package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** values.yaml, values.schema.json and helm lint. */
class ChartValuesTest {
  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  @Test
  void lintsStrictly() {
    Helm.Result result = helm.run("lint", "--strict", helm.chart().toString());

    assertThat(result.exitCode()).as("%s", result).isZero();
  }

  @Test
  void lintsStrictlyWithWatchNamespacesAndServiceMonitor() {
    Helm.Result result =
        helm.run(
            "lint",
            "--strict",
            helm.chart().toString(),
            "--set",
            "watchNamespaces={team-a,team-b}",
            "--set",
            "metrics.serviceMonitor.enabled=true");

    assertThat(result.exitCode()).as("%s", result).isZero();
  }

  @ParameterizedTest(name = "--set {0} is rejected: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "typoKey=1                      | typoKey",
        "image.tga=latest               | tga",
        "crds.instal=false              | instal",
        "replicaCount=notanumber        | replicaCount",
        "replicaCount=-1                | replicaCount",
        "defaultTtl=1y                  | defaultTtl",
        "maxTtl=720                     | maxTtl",
        "maxTtl=365d                    | maxTtl",
        "keyRotationPeriod=soon         | keyRotationPeriod",
        "logFormat=xml                  | logFormat",
        "logLevel=verbose               | logLevel",
        "issuer=not a url               | issuer",
        "metrics.port=80                | port",
        "leaderElection.enabled=yes     | enabled",
        "trustConfigMapName=Not_A_Name  | trustConfigMapName",
        "watchNamespaces={Team_A}       | watchNamespaces",
        "image.pullPolicy=Sometimes     | pullPolicy",
        "networkPolicy.enabled=yes      | enabled",
        "networkPolicy.ingres.from=x    | ingres",
        "networkPolicy.apiServer.cidrs={10.0.0.1} | cidrs",
        "networkPolicy.apiServer.ports={0}        | ports",
        "networkPolicy.dns.to[0].pods=x           | pods",
      })
  void schemaRejects(String setting, String mentioned) {
    Helm.Result result = helm.template("--set", setting);

    assertThat(result.exitCode()).as("%s", result).isNotZero();
    assertThat(result.stderr()).contains("schema").contains(mentioned);
  }

  @ParameterizedTest(name = "--set {0} is accepted")
  @ValueSource(
      strings = {
        "defaultTtl=1h30m",
        "maxTtl=8760h",
        "keyRotationPeriod=90s",
        "logFormat=json",
        "logLevel=debug",
        "statusListUri=https://tokens.example.com/statuslist",
        "watchNamespaces={team-a,team-b}",
        "targetNamespaceSelector=env in (prod\\,staging)",
        "tolerations[0].key=dedicated",
        "resources.limits.cpu=1",
        "networkPolicy.enabled=true",
        "networkPolicy.apiServer.cidrs={10.0.0.1/32,fd00::1/128}",
        "global.imageRegistry=registry.example.com",
      })
  void schemaAccepts(String setting) {
    Helm.Result result = helm.template("--set", setting);

    assertThat(result.exitCode()).as("%s", result).isZero();
  }

  @Test
  void everyObjectInTheSchemaRejectsUnknownKeys() throws Exception {
    JsonNode schema =
        new ObjectMapper().readTree(helm.chart().resolve("values.schema.json").toFile());
    List<String> open = new ArrayList<>();
    collectOpenObjects(schema, "", open);

    assertThat(open).as("object schemas without additionalProperties").isEmpty();
    assertThat(schema.path("additionalProperties").isBoolean()).isTrue();
    assertThat(schema.path("additionalProperties").asBoolean()).isFalse();
  }

  /**
   * An object schema with fixed properties must say additionalProperties: false; a map (labels,
   * resource quantities) must at least constrain its values.
   */
  private static void collectOpenObjects(JsonNode node, String path, List<String> open) {
    if (!node.isObject()) {
      if (node.isArray()) {
        for (int i = 0; i < node.size(); i++) {
          collectOpenObjects(node.get(i), path + "/" + i, open);
        }
      }
      return;
    }
    boolean objectWithProperties = node.has("properties");
    boolean objectType = "object".equals(node.path("type").asText());
    // global is shared with every other chart of the release: their keys must pass.
    boolean sharedWithOtherCharts = path.equals("/properties/global");
    if (objectWithProperties
        && !sharedWithOtherCharts
        && !(node.path("additionalProperties").isBoolean()
            && !node.path("additionalProperties").asBoolean())) {
      open.add(path);
    }
    if (objectType && !objectWithProperties && !node.has("additionalProperties")) {
      // free-form Kubernetes structures passed through (affinity rules) are allowed only below
      // an object that fixes its own keys
      if (!path.matches(".*/affinity/properties/[A-Za-z]+")) {
        open.add(path);
      }
    }
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      collectOpenObjects(field.getValue(), path + "/" + field.getKey(), open);
    }
  }

  @Test
  void everyValueHasAComment() throws Exception {
    List<String> lines = Files.readAllLines(helm.chart().resolve("values.yaml"));
    List<String> uncommented = new ArrayList<>();
    // indentation -> whether the key at that indentation had a comment right above it
    java.util.NavigableMap<Integer, Boolean> commentedAncestors = new java.util.TreeMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.matches("^\\s*[A-Za-z][A-Za-z0-9]*:.*")) {
        continue;
      }
      int indent = line.length() - line.stripLeading().length();
      commentedAncestors.tailMap(indent, true).clear();
      boolean commented = i > 0 && lines.get(i - 1).trim().startsWith("#");
      boolean opensSection = line.trim().endsWith(":");
      Map.Entry<Integer, Boolean> parent = commentedAncestors.lastEntry();
      // a section (image:, metrics:) is documented by its keys; the entries of a documented
      // map (resources.requests.cpu) by the map's comment
      boolean parentCommented = parent != null && parent.getValue();
      if (!opensSection && !commented && !parentCommented) {
        uncommented.add(line.trim());
      }
      commentedAncestors.put(indent, commented);
    }

    assertThat(uncommented).as("values without a comment above them").isEmpty();
  }

  @Test
  void defaultsSatisfyTheSchemaAndRenderEveryExpectedKind() {
    Manifests rendered = helm.render();

    assertThat(rendered.objects())
        .extracting(o -> o.path("kind").asText())
        .contains(
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Deployment",
            "Service",
            "PodDisruptionBudget");
  }
}
