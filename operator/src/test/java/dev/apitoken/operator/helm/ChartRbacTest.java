package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.operator.helm.Manifests.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Least-privilege RBAC, cluster-wide by default and per namespace with watchNamespaces. */
class ChartRbacTest {
  private static final List<String> ALL_WRITE_VERBS =
      List.of("get", "list", "watch", "create", "update", "patch", "delete");

  /** Values a namespaced installation would use; the release namespace is watched too. */
  private static final String NAMESPACED_VALUES =
      """
      watchNamespaces:
        - team-a
        - team-b
        - %s
      targetNamespaceSelector: apitoken.dev/trust=enabled
      replicaCount: 3
      logFormat: json
      """
          .formatted(Helm.NAMESPACE);

  @TempDir static Path tempDir;

  private static Helm helm;
  private static Manifests clusterWide;
  private static Manifests namespaced;

  @BeforeAll
  static void render() throws IOException {
    helm = Helm.get();
    clusterWide = helm.render();
    Path values = Files.writeString(tempDir.resolve("namespaced.yaml"), NAMESPACED_VALUES);
    namespaced = helm.render("--values", values.toString());
  }

  static Stream<String> renderings() {
    return Stream.of("cluster-wide", "namespaced");
  }

  private static Manifests rendering(String name) {
    return name.equals("cluster-wide") ? clusterWide : namespaced;
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void noRuleUsesAWildcard(String name) {
    List<Rule> rules = rendering(name).allRules();

    assertThat(rules).isNotEmpty();
    assertThat(rules)
        .allSatisfy(
            rule -> {
              assertThat(rule.apiGroups()).as("apiGroups of %s", rule).doesNotContain("*");
              assertThat(rule.resources())
                  .as("resources of %s", rule)
                  .noneMatch(r -> r.contains("*"));
              assertThat(rule.verbs()).as("verbs of %s", rule).isNotEmpty().doesNotContain("*");
            });
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void leasesOnlyInARoleInTheReleaseNamespace(String name) {
    List<Rule> leaseRules =
        rendering(name).allRules().stream()
            .filter(rule -> rule.resources().contains("leases"))
            .toList();

    assertThat(leaseRules).hasSize(1);
    Rule lease = leaseRules.get(0);
    assertThat(lease.kind()).isEqualTo("Role");
    assertThat(lease.namespace()).isEqualTo(Helm.NAMESPACE);
    assertThat(lease.apiGroups()).containsExactly("coordination.k8s.io");
    assertThat(lease.resources()).containsExactly("leases");
    // JOSDK refuses to start unless a single rule grants all three
    assertThat(lease.verbs()).containsExactlyInAnyOrder("get", "create", "update");
    assertThat(lease.resourceNames()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void everyRoleIsBoundToTheOperatorServiceAccount(String name) {
    Manifests rendered = rendering(name);
    String serviceAccount =
        rendered.one("Deployment").at("/spec/template/spec/serviceAccountName").asText();

    for (String kind : List.of("Role", "ClusterRole")) {
      String bindingKind = kind + "Binding";
      for (JsonNode role : rendered.ofKind(kind)) {
        String namespace = role.at("/metadata/namespace").asText(null);
        JsonNode binding =
            rendered.ofKind(bindingKind).stream()
                .filter(b -> b.at("/roleRef/name").equals(role.at("/metadata/name")))
                .filter(
                    b ->
                        namespace == null || namespace.equals(b.at("/metadata/namespace").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no binding for " + kind + " " + role));
        assertThat(binding.at("/roleRef/kind").asText()).isEqualTo(kind);
        assertThat(binding.at("/subjects/0/kind").asText()).isEqualTo("ServiceAccount");
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(serviceAccount);
        assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Helm.NAMESPACE);
      }
    }
  }

  @Test
  void clusterWideInstallationGrantsExactlyWhatTheOperatorUses() {
    assertThat(clusterWide.ofKind("Role")).hasSize(1); // only leader election
    List<Rule> rules = clusterWide.rules("ClusterRole");

    assertThat(verbs(rules, "apitoken.dev", "apitokens"))
        .containsExactlyInAnyOrder("get", "list", "watch", "update", "patch");
    assertThat(verbs(rules, "apitoken.dev", "apitokens/status"))
        .containsExactlyInAnyOrder("get", "update", "patch");
    assertThat(verbs(rules, "apitoken.dev", "apitokens/finalizers")).containsExactly("update");
    assertThat(verbs(rules, "", "secrets")).containsExactlyInAnyOrderElementsOf(ALL_WRITE_VERBS);
    assertThat(verbs(rules, "", "configmaps")).containsExactlyInAnyOrderElementsOf(ALL_WRITE_VERBS);
    assertThat(verbs(rules, "", "namespaces")).containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(verbs(rules, "", "events")).containsExactlyInAnyOrder("create", "patch");
    assertThat(verbs(rules, "events.k8s.io", "events"))
        .containsExactlyInAnyOrder("create", "patch");
    assertThat(rules)
        .flatExtracting(Rule::resources)
        .containsOnly(
            "apitokens",
            "apitokens/status",
            "apitokens/finalizers",
            "secrets",
            "configmaps",
            "namespaces",
            "events");
  }

  @Test
  void watchNamespacesMovesApiTokensAndSecretsIntoRoles() {
    List<Rule> clusterRules = namespaced.rules("ClusterRole");

    assertThat(clusterRules)
        .flatExtracting(Rule::resources)
        .doesNotContain("apitokens", "apitokens/status", "apitokens/finalizers", "secrets")
        // the trust ConfigMap is still copied into selected namespaces anywhere
        .contains("configmaps", "namespaces", "events");

    for (String namespace : List.of("team-a", "team-b", Helm.NAMESPACE)) {
      List<Rule> rules =
          namespaced.rules("Role").stream()
              .filter(rule -> namespace.equals(rule.namespace()))
              .filter(rule -> !rule.resources().contains("leases"))
              .toList();
      assertThat(verbs(rules, "apitoken.dev", "apitokens"))
          .as("apitokens in %s", namespace)
          .containsExactlyInAnyOrder("get", "list", "watch", "update", "patch");
      assertThat(verbs(rules, "apitoken.dev", "apitokens/status"))
          .containsExactlyInAnyOrder("get", "update", "patch");
      assertThat(verbs(rules, "apitoken.dev", "apitokens/finalizers")).containsExactly("update");
      assertThat(verbs(rules, "", "secrets")).containsExactlyInAnyOrderElementsOf(ALL_WRITE_VERBS);
    }
    assertThat(namespaced.ofKind("Role"))
        .extracting(r -> r.at("/metadata/namespace").asText())
        .containsOnly("team-a", "team-b", Helm.NAMESPACE);
    assertThat(namespaced.operatorEnv())
        .containsEntry("APITOKEN_WATCH_NAMESPACES", "team-a,team-b," + Helm.NAMESPACE)
        .containsEntry("APITOKEN_TARGET_NAMESPACE_SELECTOR", "apitoken.dev/trust=enabled")
        .containsEntry("APITOKEN_LOG_FORMAT", "json");
  }

  @Test
  void unwatchedReleaseNamespaceStillGetsSecretsForTheSigningKeys() {
    Manifests rendered = helm.render("--set", "watchNamespaces={team-a}");

    List<Rule> releaseRules =
        rendered.rules("Role").stream()
            .filter(rule -> Helm.NAMESPACE.equals(rule.namespace()))
            .filter(rule -> !rule.resources().contains("leases"))
            .toList();
    assertThat(releaseRules).flatExtracting(Rule::resources).containsExactly("secrets");
    assertThat(rendered.rules("Role"))
        .filteredOn(rule -> rule.resources().contains("apitokens"))
        .extracting(Rule::namespace)
        .containsExactly("team-a");
  }

  @Test
  void noLeaseRoleWithoutLeaderElection() {
    Manifests rendered =
        helm.render("--set", "leaderElection.enabled=false", "--set", "replicaCount=1");

    assertThat(rendered.allRules()).noneMatch(rule -> rule.resources().contains("leases"));
    assertThat(rendered.ofKind("RoleBinding")).isEmpty();
    assertThat(rendered.operatorEnv()).containsEntry("APITOKEN_LEADER_ELECTION", "false");
  }

  @Test
  void namespacedObjectsLiveInTheReleaseNamespace() {
    Set<String> clusterScoped =
        Set.of("ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition");
    assertThat(clusterWide.objects())
        .allSatisfy(
            object -> {
              String kind = object.path("kind").asText();
              JsonNode namespace = object.at("/metadata/namespace");
              if (clusterScoped.contains(kind)) {
                assertThat(namespace.isMissingNode()).as("%s namespace", kind).isTrue();
              } else {
                assertThat(namespace.asText()).as("%s namespace", kind).isEqualTo(Helm.NAMESPACE);
              }
            });
  }

  private static List<String> verbs(List<Rule> rules, String apiGroup, String resource) {
    List<Rule> matching = rules.stream().filter(rule -> rule.grants(apiGroup, resource)).toList();
    assertThat(matching).as("rules for %s/%s", apiGroup, resource).hasSize(1);
    return matching.get(0).verbs();
  }
}
