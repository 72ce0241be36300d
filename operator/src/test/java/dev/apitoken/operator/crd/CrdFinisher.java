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

/**
 * The one step the CRD generator cannot do: it sorts printer columns by JSON path, while {@code
 * kubectl get} should read READY, REVOKED, SUBJECT, EXPIRES, SECRET, AGE.
 */
final class CrdFinisher {
  static final List<String> COLUMN_ORDER =
      List.of("Ready", "Revoked", "Subject", "Expires", "Secret", "Age");

  private static final YAMLMapper YAML =
      new YAMLMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
              .build());

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
    }
    return "# Generated from operator/src/main/java/dev/apitoken/operator/api by the build; do not edit.\n"
        + YAML.writeValueAsString(crd);
  }

  private static int rank(String name) {
    int rank = COLUMN_ORDER.indexOf(name);
    return rank < 0 ? COLUMN_ORDER.size() : rank;
  }
}
