package dev.apitoken.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.verifier.NetworkFailure;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The API calls the plugin makes, all with the user's own credentials, and the one place that turns
 * an API error into a message saying what was refused and what to ask for.
 */
public final class Cluster {
  public static final String GROUP = "apitoken.dev";
  public static final String VERSION = "v1alpha1";

  /** The ApiToken resource, read as generic objects: fields the plugin does not know survive. */
  static final ResourceDefinitionContext API_TOKENS =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion(VERSION)
          .withKind("ApiToken")
          .withPlural("apitokens")
          .withNamespaced(true)
          .build();

  static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final String namespace;
  private final KubeOptions options;

  Cluster(KubernetesClient client, KubeOptions options, String namespaceOption) {
    this.client = client;
    this.options = options;
    String ns = namespaceOption;
    if (ns == null || ns.isBlank()) {
      ns = client.getNamespace();
    }
    this.namespace = ns == null || ns.isBlank() ? "default" : ns;
  }

  /** The namespace commands act in: -n, else the context's, else {@code default}. */
  public String namespace() {
    return namespace;
  }

  public String operatorNamespace() {
    return options.operatorNamespace;
  }

  public String trustConfigMap() {
    return options.trustConfigMap;
  }

  public String keyRingSecret() {
    return options.keyRingSecret;
  }

  /** The ApiToken as JSON. */
  public JsonNode apiToken(String ns, String name) {
    GenericKubernetesResource found =
        call(
            "get apitokens.apitoken.dev " + name + " in namespace " + ns,
            () ->
                client.genericKubernetesResources(API_TOKENS).inNamespace(ns).withName(name).get());
    if (found == null) {
      throw CliException.notFound("ApiToken " + ns + "/" + name + " not found");
    }
    return JSON.valueToTree(found);
  }

  /** Every ApiToken of {@code ns}, or of every namespace when {@code ns} is null. */
  public List<JsonNode> apiTokens(String ns) {
    String where = ns == null ? "in any namespace (-A)" : "in namespace " + ns;
    List<GenericKubernetesResource> items =
        call(
                "list apitokens.apitoken.dev " + where,
                () ->
                    ns == null
                        ? client.genericKubernetesResources(API_TOKENS).inAnyNamespace().list()
                        : client.genericKubernetesResources(API_TOKENS).inNamespace(ns).list())
            .getItems();
    return items.stream().map(r -> (JsonNode) JSON.valueToTree(r)).toList();
  }

  /** Sends a JSON merge patch (RFC 7386) to the ApiToken and returns the patched object. */
  public JsonNode patchApiToken(String ns, String name, Map<String, Object> patch) {
    apiToken(ns, name); // a clear "not found" instead of the API's 404 text
    GenericKubernetesResource patched =
        call(
            "patch apitokens.apitoken.dev " + name + " in namespace " + ns,
            () ->
                client
                    .genericKubernetesResources(API_TOKENS)
                    .inNamespace(ns)
                    .withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), toJson(patch)));
    return JSON.valueToTree(patched);
  }

  public Optional<ConfigMap> configMap(String ns, String name) {
    return Optional.ofNullable(
        call(
            "get configmaps " + name + " in namespace " + ns,
            () -> client.configMaps().inNamespace(ns).withName(name).get()));
  }

  public List<ConfigMap> configMaps(String ns, Map<String, String> labels) {
    return call(
            "list configmaps in namespace " + ns,
            () -> client.configMaps().inNamespace(ns).withLabels(labels).list())
        .getItems();
  }

  public Optional<Secret> secret(String ns, String name) {
    return Optional.ofNullable(
        call(
            "get secrets " + name + " in namespace " + ns,
            () -> client.secrets().inNamespace(ns).withName(name).get()));
  }

  /**
   * Merge-patches the Secret's annotations, with its resourceVersion so that a concurrent write
   * (the operator's, another admin's) is never overwritten: the API answers 409 instead.
   */
  public void annotateSecret(
      String ns, String name, String resourceVersion, Map<String, String> annotations) {
    Map<String, Object> patch =
        Map.of("metadata", Map.of("resourceVersion", resourceVersion, "annotations", annotations));
    call(
        "patch secrets " + name + " in namespace " + ns,
        () ->
            client
                .secrets()
                .inNamespace(ns)
                .withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), toJson(patch)));
  }

  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs one API call; a refusal becomes a {@link CliException} naming what was refused. */
  <T> T call(String what, Supplier<T> apiCall) {
    try {
      return apiCall.get();
    } catch (KubernetesClientException e) {
      throw translate(what, e);
    }
  }

  CliException translate(String what, KubernetesClientException e) {
    int code = e.getCode();
    String detail = serverMessage(e);
    return switch (code) {
      case 401 ->
          CliException.error(
              "unauthorized: cannot "
                  + what
                  + ": the credentials of the kubeconfig context were refused (401)"
                  + detail);
      case 403 ->
          CliException.error(
              "forbidden: you cannot "
                  + what
                  + detail
                  + "\nAsk a cluster admin for that permission (docs/KUBECTL-PLUGIN.md, 'RBAC it needs').");
      case 404 -> CliException.notFound("not found: " + what + detail);
      case 409 -> CliException.error("conflict: " + what + detail + "; try again");
      case 422 -> CliException.error("the API refused to " + what + detail);
      default ->
          code > 0
              ? CliException.error("cannot " + what + ": the API answered " + code + detail)
              : CliException.error(
                  "cannot "
                      + what
                      + ": the cluster at "
                      + client.getMasterUrl()
                      + " is unreachable ("
                      + NetworkFailure.reason(e)
                      + ")");
    };
  }

  private static String serverMessage(KubernetesClientException e) {
    Status status = e.getStatus();
    String message = status == null ? null : status.getMessage();
    return message == null || message.isBlank() ? "" : ": " + message;
  }
}
