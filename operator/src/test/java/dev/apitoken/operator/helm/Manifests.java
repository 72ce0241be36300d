package dev.apitoken.operator.helm;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/** The objects of a rendered chart, parsed from helm's multi-document YAML. */
record Manifests(List<JsonNode> objects) {
  // A key twice in one mapping is an error here, as it is for strict YAML parsers; Jackson would
  // otherwise keep the last one and hide the duplicate from every chart test.
  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  static Manifests parse(String multiDocumentYaml) {
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents =
        YAML.readerFor(JsonNode.class).readValues(multiDocumentYaml)) {
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        // helm leaves "---" separators with only a comment behind for templates that render nothing
        if (document != null && document.isObject() && !document.isEmpty()) {
          objects.add(document);
        }
      }
    } catch (IOException e) {
      throw new AssertionError("rendered chart is not valid YAML", e);
    }
    return new Manifests(List.copyOf(objects));
  }

  List<JsonNode> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  JsonNode one(String kind) {
    List<JsonNode> found = ofKind(kind);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + " but found " + found.size());
    }
    return found.get(0);
  }

  JsonNode one(String kind, String namespace, String name) {
    return ofKind(kind).stream()
        .filter(o -> name.equals(o.at("/metadata/name").asText()))
        .filter(o -> namespace == null || namespace.equals(o.at("/metadata/namespace").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + namespace + "/" + name));
  }

  JsonNode operatorContainer() {
    JsonNode containers = one("Deployment").at("/spec/template/spec/containers");
    if (containers.size() != 1) {
      throw new AssertionError("expected one container, got " + containers);
    }
    return containers.get(0);
  }

  /** The operator container's plain (non-downward-API) environment, by name. */
  Map<String, String> operatorEnv() {
    return stream(operatorContainer().path("env"))
        .filter(e -> e.has("value"))
        .collect(Collectors.toMap(e -> e.path("name").asText(), e -> e.path("value").asText()));
  }

  /** Every RBAC rule of the given Role/ClusterRole kind, each tagged with where it was found. */
  List<Rule> rules(String kind) {
    return ofKind(kind).stream()
        .flatMap(
            role ->
                stream(role.path("rules"))
                    .map(
                        rule ->
                            new Rule(
                                kind,
                                role.at("/metadata/namespace").asText(null),
                                role.at("/metadata/name").asText(),
                                strings(rule.path("apiGroups")),
                                strings(rule.path("resources")),
                                strings(rule.path("verbs")),
                                strings(rule.path("resourceNames")))))
        .toList();
  }

  List<Rule> allRules() {
    List<Rule> all = new ArrayList<>(rules("ClusterRole"));
    all.addAll(rules("Role"));
    return all;
  }

  static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false);
  }

  static List<String> strings(JsonNode array) {
    return stream(array).map(JsonNode::asText).toList();
  }

  static <T> Map<String, T> byName(List<JsonNode> nodes, Function<JsonNode, T> value) {
    return nodes.stream().collect(Collectors.toMap(n -> n.path("name").asText(), value));
  }

  record Rule(
      String kind,
      String namespace,
      String roleName,
      List<String> apiGroups,
      List<String> resources,
      List<String> verbs,
      List<String> resourceNames) {
    boolean grants(String apiGroup, String resource) {
      return apiGroups.contains(apiGroup) && resources.contains(resource);
    }
  }
}
