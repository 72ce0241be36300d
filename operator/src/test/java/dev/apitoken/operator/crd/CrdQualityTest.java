package dev.apitoken.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** What a user sees of the CRD without reading code: kubectl explain, kubectl get, short name. */
class CrdQualityTest {
  /**
   * Fields without a description today, none of which the API classes can fix with a
   * {@code @JsonPropertyDescription}: spec and status are fields of fabric8's CustomResource, and
   * conditions use fabric8's Condition model, which has no descriptions. Remove entries as they get
   * descriptions; a new field without one fails the test.
   */
  private static final List<String> KNOWN_UNDESCRIBED = List.of();

  private final CrdSchema crd = CrdSchema.checkedIn();

  @Test
  void everySpecAndStatusFieldHasADescriptionForKubectlExplain() {
    List<String> undescribed = new ArrayList<>();
    JsonNode root = crd.openApiSchema();
    for (String top : List.of("spec", "status")) {
      collectUndescribed(root.path("properties").path(top), "$." + top, undescribed);
    }
    assertThat(undescribed)
        .as("fields whose kubectl explain text is empty (see KNOWN_UNDESCRIBED)")
        .containsExactlyInAnyOrderElementsOf(KNOWN_UNDESCRIBED);
  }

  @Test
  void printerColumnsReadReadyRevokedSubjectExpiresSecretAge() {
    JsonNode columns = crd.crd().at("/spec/versions/0/additionalPrinterColumns");
    assertThat(
            StreamSupport.stream(columns.spliterator(), false)
                .filter(c -> c.path("priority").asInt(0) == 0)
                .map(c -> c.path("name").asText()))
        .containsExactly("Ready", "Revoked", "Subject", "Expires", "Secret", "Age");
  }

  @Test
  void wideOutputAddsAStatusColumnWithTheReadyMessage() {
    JsonNode columns = crd.crd().at("/spec/versions/0/additionalPrinterColumns");
    List<JsonNode> wideOnly =
        StreamSupport.stream(columns.spliterator(), false)
            .filter(c -> c.path("priority").asInt(0) > 0)
            .toList();
    assertThat(wideOnly).hasSize(1);
    JsonNode status = wideOnly.get(0);
    assertThat(status.path("name").asText()).isEqualTo("Status");
    assertThat(status.path("priority").asInt()).isEqualTo(1);
    assertThat(status.path("type").asText()).isEqualTo("string");
    assertThat(status.path("jsonPath").asText())
        .isEqualTo(".status.conditions[?(@.type==\"Ready\")].message");
  }

  @Test
  void kubectlExplainApitokenHasARootDescription() {
    assertThat(crd.openApiSchema().path("description").asText("")).contains("API token");
  }

  @Test
  void conditionsAreAListMapKeyedByTypeSoServerSideApplyMergesThem() {
    JsonNode conditions = crd.openApiSchema().at("/properties/status/properties/conditions");
    assertThat(conditions.path("x-kubernetes-list-type").asText()).isEqualTo("map");
    assertThat(conditions.path("x-kubernetes-list-map-keys"))
        .extracting(JsonNode::asText)
        .containsExactly("type");
    // The API server rejects a CRD whose list-map key is neither required nor defaulted.
    assertThat(conditions.at("/items/required")).extracting(JsonNode::asText).contains("type");
  }

  @Test
  void apitokenCategoryExists() {
    assertThat(crd.crd().at("/spec/names/categories"))
        .extracting(JsonNode::asText)
        .containsExactly("apitoken");
  }

  @Test
  void printerColumnsPointAtFieldsThatExist() {
    for (JsonNode column : crd.crd().at("/spec/versions/0/additionalPrinterColumns")) {
      String jsonPath = column.path("jsonPath").asText();
      if (jsonPath.startsWith(".metadata.")) {
        continue;
      }
      // .status.conditions[?(@.type=="Ready")].status -> status, conditions, status
      JsonNode schema = crd.openApiSchema();
      for (String segment : jsonPath.replaceAll("\\[[^]]*]", "").substring(1).split("\\.")) {
        schema = schema.has("items") ? schema.get("items") : schema;
        schema = schema.path("properties").path(segment);
      }
      assertThat(schema.isMissingNode())
          .as("printer column %s: %s is not in the schema", column.path("name").asText(), jsonPath)
          .isFalse();
    }
  }

  @Test
  void shortNameApitokExists() {
    assertThat(crd.crd().at("/spec/names/shortNames"))
        .extracting(JsonNode::asText)
        .contains("apitok");
  }

  private static void collectUndescribed(JsonNode schema, String path, List<String> out) {
    if (schema.path("description").asText("").isBlank()) {
      out.add(path);
    }
    schema
        .path("properties")
        .fields()
        .forEachRemaining(p -> collectUndescribed(p.getValue(), path + "." + p.getKey(), out));
    JsonNode items = schema.path("items");
    if (items.isObject()) {
      items
          .path("properties")
          .fields()
          .forEachRemaining(p -> collectUndescribed(p.getValue(), path + "[*]." + p.getKey(), out));
    }
    JsonNode additional = schema.path("additionalProperties");
    if (additional.isObject()) {
      additional
          .path("properties")
          .fields()
          .forEachRemaining(p -> collectUndescribed(p.getValue(), path + ".*." + p.getKey(), out));
    }
  }
}
