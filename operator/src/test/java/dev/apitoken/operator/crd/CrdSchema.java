package dev.apitoken.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The checked-in CRD's {@code openAPIV3Schema}, turned into a JSON Schema (draft 2020-12) and
 * applied the way the API server applies a structural schema on create and update.
 *
 * <p>Differences from plain JSON Schema that the conversion bridges:
 *
 * <ul>
 *   <li>{@code nullable: true} becomes a {@code "null"} alternative in {@code type}; a null in a
 *       field that is not nullable is pruned before validation, as the API server does.
 *   <li>Unknown fields: the API server prunes them, or refuses them under strict field validation,
 *       which kubectl asks for by default (1.27+). We check the strict way, so a typo such as
 *       {@code subjet} is an error: objects with {@code properties} get {@code
 *       additionalProperties: false} unless {@code x-kubernetes-preserve-unknown-fields}.
 *   <li>{@code apiVersion}, {@code kind} and {@code metadata} are always allowed at the root (and
 *       in embedded resources) without being declared.
 *   <li>{@code x-kubernetes-int-or-string} becomes integer-or-string; other {@code x-kubernetes-*}
 *       keys are dropped (CEL rules are {@link CelRules}' job).
 * </ul>
 */
final class CrdSchema {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> ALWAYS_ALLOWED = Set.of("apiVersion", "kind", "metadata");

  private final JsonNode crd;
  private final JsonNode openApiSchema;
  private final Schema jsonSchema;

  private CrdSchema(JsonNode crd) {
    this.crd = crd;
    this.openApiSchema = crd.at("/spec/versions/0/schema/openAPIV3Schema");
    if (openApiSchema.isMissingNode()) {
      throw new IllegalArgumentException("the CRD has no spec.versions[0].schema.openAPIV3Schema");
    }
    ObjectNode converted = toJsonSchema(openApiSchema, true);
    converted.put("$schema", SpecificationVersion.DRAFT_2020_12.getDialectId());
    this.jsonSchema =
        SchemaRegistry.withDefaultDialect(
                SpecificationVersion.DRAFT_2020_12,
                registry ->
                    registry.schemaRegistryConfig(
                        SchemaRegistryConfig.builder()
                            .pathType(PathType.JSON_PATH)
                            .locale(Locale.ENGLISH)
                            .build()))
            .getSchema(converted.toString(), InputFormat.JSON);
  }

  /** The CRD checked in at {@code <repo.root>/crds/}. */
  static CrdSchema checkedIn() {
    return load(GeneratedCrd.checkedInFile());
  }

  static CrdSchema load(Path crdFile) {
    try {
      return new CrdSchema(YAML.readTree(crdFile.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CRD " + crdFile, e);
    }
  }

  /** The whole CRD document. */
  JsonNode crd() {
    return crd;
  }

  /** {@code spec.versions[0].schema.openAPIV3Schema}, as checked in. */
  JsonNode openApiSchema() {
    return openApiSchema;
  }

  /** {@code group/version} of the first served version, e.g. {@code apitoken.dev/v1alpha1}. */
  String apiVersion() {
    return crd.at("/spec/group").asText() + "/" + crd.at("/spec/versions/0/name").asText();
  }

  String kind() {
    return crd.at("/spec/names/kind").asText();
  }

  /**
   * Schema violations of {@code object} (parsed YAML or JSON: maps, lists, scalars), each with its
   * JSON path, e.g. {@code $.spec.ttl: does not match the regex pattern ^([0-9]+(h|m|s))+$}.
   */
  List<Violation> validate(Map<String, ?> object) {
    JsonNode pruned = pruneNulls(JSON.valueToTree(object), openApiSchema);
    List<Error> errors = jsonSchema.validate(pruned.toString(), InputFormat.JSON);
    return errors.stream()
        .map(
            e ->
                new Violation(
                    e.getInstanceLocation().toString(),
                    e.getMessage(),
                    Violation.Source.SCHEMA,
                    e.getKeyword()))
        .toList();
  }

  private static ObjectNode toJsonSchema(JsonNode openApi, boolean resourceRoot) {
    ObjectNode out = NODES.objectNode();
    boolean nullable = openApi.path("nullable").asBoolean(false);
    boolean preserveUnknown = openApi.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    boolean embeddedResource = openApi.path("x-kubernetes-embedded-resource").asBoolean(false);
    for (Iterator<Map.Entry<String, JsonNode>> it = openApi.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      switch (key) {
        case "nullable" -> {}
        case "properties" -> {
          ObjectNode properties = out.putObject("properties");
          value
              .fields()
              .forEachRemaining(p -> properties.set(p.getKey(), toJsonSchema(p.getValue(), false)));
        }
        case "items", "additionalProperties", "not" ->
            out.set(key, value.isObject() ? toJsonSchema(value, false) : value);
        case "allOf", "anyOf", "oneOf" -> {
          ArrayNode alternatives = out.putArray(key);
          value.forEach(v -> alternatives.add(toJsonSchema(v, false)));
        }
        default -> {
          if (!key.startsWith("x-kubernetes-")) {
            out.set(key, value);
          }
        }
      }
    }
    if (openApi.path("x-kubernetes-int-or-string").asBoolean(false)) {
      out.putArray("type").add("integer").add("string");
    }
    if (nullable && out.has("type")) {
      JsonNode type = out.get("type");
      ArrayNode types =
          type.isArray() ? ((ArrayNode) type).deepCopy() : NODES.arrayNode().add(type);
      out.set("type", types.add("null"));
    }
    if (resourceRoot || embeddedResource) {
      ObjectNode properties =
          out.has("properties") ? (ObjectNode) out.get("properties") : out.putObject("properties");
      properties.putIfAbsent("apiVersion", NODES.objectNode().put("type", "string"));
      properties.putIfAbsent("kind", NODES.objectNode().put("type", "string"));
      properties.putIfAbsent("metadata", NODES.objectNode().put("type", "object"));
    }
    if (out.has("properties") && !out.has("additionalProperties") && !preserveUnknown) {
      out.put("additionalProperties", false);
    }
    return out;
  }

  /** The API server drops {@code field: null} unless the field's schema says {@code nullable}. */
  private static JsonNode pruneNulls(JsonNode value, JsonNode schema) {
    if (value.isObject()) {
      ObjectNode copy = NODES.objectNode();
      value
          .fields()
          .forEachRemaining(
              f -> {
                JsonNode fieldSchema = fieldSchema(schema, f.getKey());
                if (f.getValue().isNull() && !fieldSchema.path("nullable").asBoolean(false)) {
                  return;
                }
                copy.set(f.getKey(), pruneNulls(f.getValue(), fieldSchema));
              });
      return copy;
    }
    if (value.isArray()) {
      ArrayNode copy = NODES.arrayNode();
      value.forEach(v -> copy.add(pruneNulls(v, schema.path("items"))));
      return copy;
    }
    return value;
  }

  private static JsonNode fieldSchema(JsonNode objectSchema, String name) {
    JsonNode declared = objectSchema.path("properties").path(name);
    if (!declared.isMissingNode()) {
      return declared;
    }
    JsonNode additional = objectSchema.path("additionalProperties");
    return additional.isObject() ? additional : NODES.missingNode();
  }

  /** Turns YAML or JSON text into the map form {@link #validate} and {@link CelRules} take. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> parse(String yaml) {
    try {
      Map<String, Object> parsed = YAML.readValue(yaml, LinkedHashMap.class);
      return parsed == null ? new LinkedHashMap<>() : parsed;
    } catch (IOException e) {
      throw new UncheckedIOException("not YAML: " + yaml, e);
    }
  }
}
