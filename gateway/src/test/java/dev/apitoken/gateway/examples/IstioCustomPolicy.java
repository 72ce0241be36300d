package dev.apitoken.gateway.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An Istio {@code AuthorizationPolicy} with {@code action: CUSTOM}: which extension provider it
 * calls, and for which requests. As in Istio, a request is checked only when one of the rules
 * matches it: an empty rule matches every request, no rules match none. Rules with {@code from} or
 * {@code when} are refused here rather than guessed at.
 */
record IstioCustomPolicy(String provider, List<JsonNode> rules) {
  static final Set<String> SPEC_FIELDS =
      Set.of("selector", "targetRef", "targetRefs", "rules", "action", "provider");

  static IstioCustomPolicy from(JsonNode policy) {
    JsonNode spec = policy.path("spec");
    spec.fieldNames()
        .forEachRemaining(
            name -> {
              if (!SPEC_FIELDS.contains(name)) {
                throw new AssertionError("AuthorizationPolicy has no field spec." + name);
              }
            });
    if (!"CUSTOM".equals(spec.path("action").asText())) {
      throw new AssertionError("action must be CUSTOM, is " + spec.path("action"));
    }
    List<JsonNode> rules = new ArrayList<>();
    spec.path("rules").forEach(rules::add);
    for (JsonNode rule : rules) {
      if (rule.has("from") || rule.has("when")) {
        throw new AssertionError("rule conditions other than 'to' are not interpreted: " + rule);
      }
    }
    return new IstioCustomPolicy(spec.at("/provider/name").asText(), List.copyOf(rules));
  }

  boolean checks(ClientRequest request) {
    return rules.stream().anyMatch(rule -> matches(rule, request));
  }

  private static boolean matches(JsonNode rule, ClientRequest request) {
    if (!rule.has("to")) {
      return true;
    }
    for (JsonNode to : rule.path("to")) {
      JsonNode operation = to.path("operation");
      if (field(operation, "paths", request.path(), true)
          && !field(operation, "notPaths", request.path(), false)
          && field(operation, "methods", request.method(), true)
          && !field(operation, "notMethods", request.method(), false)
          && field(operation, "hosts", request.host(), true)
          && !field(operation, "notHosts", request.host(), false)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a value matches one of the field's patterns; {@code absent} when it is not set. */
  private static boolean field(JsonNode operation, String name, String value, boolean absent) {
    if (!operation.has(name)) {
      return absent;
    }
    for (JsonNode pattern : operation.path(name)) {
      String p = pattern.asText();
      boolean match =
          p.equals("*")
              || (p.endsWith("*") && value.startsWith(p.substring(0, p.length() - 1)))
              || (p.startsWith("*") && value.endsWith(p.substring(1)))
              || p.equals(value);
      if (match) {
        return true;
      }
    }
    return false;
  }
}
