package dev.apitoken.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The steps the CRD generator cannot do: it sorts printer columns by JSON path, while {@code
 * kubectl get} should read READY, REVOKED, SUBJECT, EXPIRES, SECRET, AGE (and STATUS with {@code -o
 * wide}); it writes no description for the root or for fabric8's Condition fields; and it cannot
 * mark status.conditions as a map keyed by type, so that a client applying one condition with
 * server-side apply merges it instead of replacing the operator's.
 */
final class CrdFinisher {
  static final List<String> COLUMN_ORDER =
      List.of("Ready", "Revoked", "Subject", "Expires", "Secret", "Age", "Status");

  private static final YAMLMapper YAML =
      new YAMLMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
              .build());

  static final String ROOT_DESCRIPTION =
      "A signed API token (a JWT) for one subject, kept in a Secret in the same namespace, renewed"
          + " before it expires and revocable through its spec. kubectl explain apitoken.spec says"
          + " what can be set.";

  private static final Map<String, String> CONDITION_FIELDS =
      Map.of(
          "type", "The kind of condition: Ready, Revoked or RevocationPublished.",
          "status", "True, False or Unknown.",
          "reason", "A CamelCase word saying why the condition has this status.",
          "message", "What happened, and what to do about it when status is not the desired one.",
          "observedGeneration",
              "The metadata.generation of the ApiToken this condition was computed from.",
          "lastTransitionTime", "When status last changed (RFC 3339).");

  private CrdFinisher() {}

  static String finish(String generatedYaml) throws IOException {
    JsonNode crd = YAML.readTree(generatedYaml);
    for (JsonNode version : crd.path("spec").path("versions")) {
      ArrayNode columns = (ArrayNode) version.get("additionalPrinterColumns");
      List<JsonNode> sorted = new ArrayList<>();
      columns.forEach(sorted::add);
      sorted.sort(Comparator.comparingInt(c -> rank(c.get("name").asText())));
      columns.removeAll();
      sorted.forEach(columns::add);
      ((ObjectNode) version).set("additionalPrinterColumns", columns);
      ObjectNode root = (ObjectNode) version.path("schema").path("openAPIV3Schema");
      ObjectNode properties = (ObjectNode) root.path("properties");
      ((ObjectNode) properties.get("spec"))
          .put(
              "description",
              "What the token says, how long it lives, where it is stored, and whether it is revoked.");
      ((ObjectNode) properties.get("status"))
          .put(
              "description",
              "What the operator issued and published for this ApiToken. Never contains a token.");
      ObjectNode conditions =
          (ObjectNode) properties.path("status").path("properties").path("conditions");
      conditions.put("x-kubernetes-list-type", "map");
      conditions.set("x-kubernetes-list-map-keys", YAML.createArrayNode().add("type"));
      // The API server accepts a list-map key only if it is required (or has a default).
      ((ObjectNode) conditions.get("items")).set("required", YAML.createArrayNode().add("type"));
      JsonNode conditionFields = conditions.path("items").path("properties");
      CONDITION_FIELDS.forEach(
          (field, text) -> ((ObjectNode) conditionFields.get(field)).put("description", text));
      root.put("description", ROOT_DESCRIPTION);
    }
    return "# Generated from operator/src/main/java/dev/apitoken/operator/api by the build; do not edit.\n"
        + YAML.writeValueAsString(crd);
  }

  private static int rank(String name) {
    int rank = COLUMN_ORDER.indexOf(name);
    return rank < 0 ? COLUMN_ORDER.size() : rank;
  }
}
