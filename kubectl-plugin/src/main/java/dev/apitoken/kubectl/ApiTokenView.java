package dev.apitoken.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An ApiToken as the plugin reads it: the fields of the CRD and of the incident-response contract
 * (renew request, revokeIssuedBefore, consumers, kstatus conditions). Absent fields read as null.
 */
public final class ApiTokenView {
  /** How {@code -o name} names an ApiToken, as {@code kubectl get apitokens -o name} does. */
  public static final String RESOURCE = "apitoken.apitoken.dev";

  public static final String RENEW_REQUESTED_AT = "apitoken.dev/renew-requested-at";

  /** The label on a token Secret naming its ApiToken (same namespace). */
  public static final String SECRET_OWNER_LABEL = "apitoken.dev/name";

  private final JsonNode node;

  public ApiTokenView(JsonNode node) {
    this.node = node;
  }

  public JsonNode node() {
    return node;
  }

  public String namespace() {
    return text(node, "metadata", "namespace");
  }

  public String name() {
    return text(node, "metadata", "name");
  }

  public String uid() {
    return text(node, "metadata", "uid");
  }

  public String qualifiedName() {
    return namespace() + "/" + name();
  }

  public String annotation(String key) {
    return text(node, "metadata", "annotations", key);
  }

  public String spec(String... path) {
    return text(node.path("spec"), path);
  }

  public String status(String... path) {
    return text(node.path("status"), path);
  }

  public boolean revokedInSpec() {
    return node.path("spec").path("revoked").asBoolean(false);
  }

  /** The secret name: status, else spec, else the operator's default {@code <name>-token}. */
  public String secretName() {
    String s = status("secretName");
    if (s == null) {
      s = spec("secretName");
    }
    return s == null ? name() + "-token" : s;
  }

  public Optional<Condition> condition(String type) {
    return conditions().stream().filter(c -> type.equals(c.type())).findFirst();
  }

  /** The condition's status ("True", "False", "Unknown"), or "-" when absent. */
  public String conditionStatus(String type) {
    return condition(type).map(Condition::status).orElse("-");
  }

  public List<Condition> conditions() {
    List<Condition> out = new ArrayList<>();
    for (JsonNode c : node.path("status").path("conditions")) {
      out.add(
          new Condition(
              text(c, "type"),
              text(c, "status"),
              text(c, "reason"),
              text(c, "message"),
              text(c, "lastTransitionTime")));
    }
    return out;
  }

  public List<Token> tokens() {
    List<Token> out = new ArrayList<>();
    for (JsonNode t : node.path("status").path("tokens")) {
      out.add(
          new Token(
              text(t, "jti"),
              t.path("index").isNumber() ? t.path("index").asLong() : null,
              text(t, "expiresAt")));
    }
    return out;
  }

  public Long currentIndex() {
    JsonNode idx = node.path("status").path("statusListIndex");
    return idx.isNumber() ? idx.asLong() : null;
  }

  public List<Consumer> consumers() {
    List<Consumer> out = new ArrayList<>();
    for (JsonNode c : node.path("status").path("consumers")) {
      out.add(new Consumer(text(c, "kind"), text(c, "name"), text(c, "via")));
    }
    return out;
  }

  static String text(JsonNode node, String... path) {
    JsonNode n = node;
    for (String p : path) {
      n = n.path(p);
    }
    return n.isValueNode() && !n.isNull() ? n.asText() : null;
  }

  /** A status condition. */
  public record Condition(
      String type, String status, String reason, String message, String lastTransitionTime) {}

  /** An entry of {@code status.tokens}. */
  public record Token(String jti, Long index, String expiresAt) {}

  /** An entry of {@code status.consumers}: a workload whose Pods use the token Secret. */
  public record Consumer(String kind, String name, String via) {}
}
