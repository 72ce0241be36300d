package dev.apitoken.operator.realapi;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apitoken.operator.helm.Helm;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The chart rendered by the real helm ({@code helm template}) and installed into the real API
 * server the way {@code helm install} would: CRD, namespace, ServiceAccount, RBAC. The operator
 * itself runs in-process (or from its jar) as that ServiceAccount, configured with the environment
 * the chart's Deployment gives its container.
 *
 * <p>Kubernetes v1.20 has no CEL: the CRD goes in without its {@code x-kubernetes-validations} (the
 * dev.cel evaluator tests check those rules).
 */
public final class ChartRelease {
  private static final Set<String> INSTALLED_KINDS =
      Set.of(
          "CustomResourceDefinition",
          "ServiceAccount",
          "ClusterRole",
          "ClusterRoleBinding",
          "Role",
          "RoleBinding");

  private final String release;
  private final String namespace;
  private final List<HasMetadata> objects;

  private ChartRelease(String release, String namespace, List<HasMetadata> objects) {
    this.release = release;
    this.namespace = namespace;
    this.objects = objects;
  }

  /** {@code helm template <release> <chart> --namespace <namespace> <extraArgs>}. */
  public static ChartRelease render(String release, String namespace, String... extraArgs) {
    Helm helm = Helm.get();
    List<String> args = new ArrayList<>();
    args.addAll(List.of("template", release, helm.chart().toString(), "--namespace", namespace));
    args.addAll(List.of(extraArgs));
    Helm.Result result = helm.run(args.toArray(String[]::new));
    if (result.exitCode() != 0) {
      throw new AssertionError("helm template failed:\n" + result);
    }
    List<HasMetadata> objects =
        Serialization.unmarshal(
            new ByteArrayInputStream(result.stdout().getBytes(StandardCharsets.UTF_8)));
    return new ChartRelease(release, namespace, objects);
  }

  /** Creates or updates the release namespace, the CRD, the ServiceAccount and the RBAC. */
  public ChartRelease install(KubernetesClient admin) {
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .unlock()
        .createOr(NonDeletingOperation::update);
    for (HasMetadata object : objects) {
      if (!INSTALLED_KINDS.contains(object.getKind())) {
        continue;
      }
      HasMetadata toApply =
          object instanceof CustomResourceDefinition crd ? withoutCelRules(crd) : object;
      if (toApply.getMetadata().getNamespace() == null && namespaced(toApply)) {
        toApply.getMetadata().setNamespace(namespace);
      }
      admin.resource(toApply).unlock().createOr(NonDeletingOperation::update);
    }
    for (CustomResourceDefinition crd : ofKind(CustomResourceDefinition.class)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                CustomResourceDefinition live =
                    admin
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(crd.getMetadata().getName())
                        .get();
                return live != null
                    && live.getStatus() != null
                    && live.getStatus().getConditions().stream()
                        .anyMatch(
                            c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
              });
    }
    return this;
  }

  private static boolean namespaced(HasMetadata object) {
    return Set.of("ServiceAccount", "Role", "RoleBinding").contains(object.getKind());
  }

  static CustomResourceDefinition withoutCelRules(CustomResourceDefinition crd) {
    JsonNode tree = Serialization.jsonMapper().valueToTree(crd);
    strip(tree, "x-kubernetes-validations");
    return Serialization.jsonMapper().convertValue(tree, CustomResourceDefinition.class);
  }

  private static void strip(JsonNode node, String field) {
    if (node instanceof ObjectNode object) {
      object.remove(field);
    }
    for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
      strip(children.next(), field);
    }
  }

  public String release() {
    return release;
  }

  public String namespace() {
    return namespace;
  }

  public List<HasMetadata> objects() {
    return objects;
  }

  public <T extends HasMetadata> List<T> ofKind(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  public String serviceAccount() {
    List<ServiceAccount> accounts = ofKind(ServiceAccount.class);
    if (accounts.size() != 1) {
      throw new AssertionError("expected one ServiceAccount, rendered " + accounts.size());
    }
    return accounts.get(0).getMetadata().getName();
  }

  /**
   * The operator's settings exactly as the chart's Deployment sets them, as {@code --name=value}
   * flags (the container's {@code APITOKEN_*} variables; the operator namespace is the release's).
   */
  public List<String> operatorFlags() {
    Map<String, String> flags = new LinkedHashMap<>();
    Deployment operator =
        ofKind(Deployment.class).stream()
            .filter(
                d ->
                    d.getSpec().getTemplate().getSpec().getContainers().stream()
                        .anyMatch(c -> "operator".equals(c.getName())))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no operator Deployment rendered"));
    for (EnvVar env :
        operator.getSpec().getTemplate().getSpec().getContainers().stream()
            .filter(c -> "operator".equals(c.getName()))
            .findFirst()
            .orElseThrow()
            .getEnv()) {
      if (env.getName().startsWith("APITOKEN_") && env.getValue() != null) {
        String setting =
            env.getName()
                .substring("APITOKEN_".length())
                .toLowerCase(Locale.ROOT)
                .replace('_', '-');
        flags.put(setting, env.getValue());
      }
    }
    flags.put("operator-namespace", namespace);
    return flags.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toList();
  }

  /** The same settings as {@code APITOKEN_*} environment variables, for the operator's jar. */
  public Map<String, String> operatorEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String flag : operatorFlags()) {
      String name = flag.substring(2, flag.indexOf('='));
      env.put(
          "APITOKEN_" + name.toUpperCase(Locale.ROOT).replace('-', '_'),
          flag.substring(flag.indexOf('=') + 1));
    }
    return env;
  }

  /** One rendered RBAC rule and where it applies ({@code null} namespace: cluster-wide). */
  public record Grant(String role, String namespace, PolicyRule rule) {}

  /** Every rule the chart grants its ServiceAccount (all rendered Roles and ClusterRoles). */
  public List<Grant> grants() {
    List<Grant> grants = new ArrayList<>();
    for (ClusterRole role : ofKind(ClusterRole.class)) {
      for (PolicyRule rule : role.getRules()) {
        grants.add(new Grant("ClusterRole/" + role.getMetadata().getName(), null, rule));
      }
    }
    for (Role role : ofKind(Role.class)) {
      String ns =
          role.getMetadata().getNamespace() == null ? namespace : role.getMetadata().getNamespace();
      for (PolicyRule rule : role.getRules()) {
        grants.add(new Grant("Role/" + ns + "/" + role.getMetadata().getName(), ns, rule));
      }
    }
    return grants;
  }
}
