package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.operator.helm.Manifests.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collector;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Least-privilege RBAC, cluster-wide by default and per namespace with watchNamespaces. */
class ChartRbacTest {
  /** What JOSDK's token Secret dependent does: informer, create, PUT update, delete on revoke. */
  private static final List<String> TOKEN_SECRET_VERBS =
      List.of("get", "list", "watch", "create", "update", "delete");

  private static final String FULLNAME = Helm.RELEASE + "-apitoken-operator";
  private static final String STATE_ROLE = FULLNAME + "-state";
  private static final String LEADER_ELECTION_ROLE = FULLNAME + "-leader-election";

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
    // rolloutRestart on: its rules are checked here; off (the default) in its own test below.
    clusterWide = helm.render("--set", "rolloutRestart.enabled=true");
    Path values = Files.writeString(tempDir.resolve("namespaced.yaml"), NAMESPACED_VALUES);
    namespaced = helm.render("--values", values.toString(), "--set", "rolloutRestart.enabled=true");
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
    // JOSDK refuses to start unless a single rule grants get, create and update; Fabric8's
    // LeaseLock renews with patch (RealApiLeaderElectionTest runs it on a real API server)
    assertThat(lease.verbs()).containsExactlyInAnyOrder("get", "create", "update", "patch");
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
    assertThat(clusterWide.ofKind("Role"))
        .extracting(r -> r.at("/metadata/name").asText())
        .containsExactlyInAnyOrder(STATE_ROLE, LEADER_ELECTION_ROLE);
    List<Rule> rules = clusterWide.rules("ClusterRole");

    // RealApiRbacAuditTest checks these against what the operator asks a real API server for
    assertThat(verbs(rules, "apitoken.dev", "apitokens"))
        .containsExactlyInAnyOrder("get", "list", "watch", "patch");
    assertThat(verbs(rules, "apitoken.dev", "apitokens/status")).containsExactly("update");
    assertThat(verbs(rules, "apitoken.dev", "apitokens/finalizers")).containsExactly("update");
    assertThat(verbs(rules, "", "secrets")).containsExactlyInAnyOrderElementsOf(TOKEN_SECRET_VERBS);
    assertThat(verbs(rules, "", "namespaces")).containsExactlyInAnyOrder("list", "watch");
    assertThat(verbs(rules, "", "events")).containsExactly("create");
    assertConsumerRules(rules);
    assertThat(rules)
        .flatExtracting(Rule::resources)
        .containsOnly(
            "apitokens",
            "apitokens/status",
            "apitokens/finalizers",
            "secrets",
            "configmaps",
            "namespaces",
            "events",
            "pods",
            "replicasets",
            "jobs",
            "deployments",
            "statefulsets",
            "daemonsets");
    assertThat(rules).noneMatch(rule -> rule.apiGroups().contains("events.k8s.io"));
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void clusterRoleNeverPatchesOrDeletesConfigMapsAndUpdatesOnlyTrustCopies(String name) {
    List<Rule> configMapRules =
        rendering(name).rules("ClusterRole").stream()
            .filter(rule -> rule.grants("", "configmaps"))
            .toList();

    assertThat(configMapRules).flatExtracting(Rule::verbs).doesNotContain("patch", "delete");
    assertThat(configMapRules)
        .filteredOn(rule -> rule.resourceNames().isEmpty())
        .singleElement()
        .extracting(Rule::verbs)
        .asInstanceOf(InstanceOfAssertFactories.LIST)
        .containsExactlyInAnyOrder("get", "list", "watch", "create");
    Rule update =
        configMapRules.stream()
            .filter(rule -> rule.verbs().contains("update"))
            .collect(onlyOne("configmaps update rule"));
    assertThat(update.verbs()).containsExactly("update");
    assertThat(update.resourceNames()).containsExactlyElementsOf(trustCopyNames("apitoken-trust"));
  }

  @Test
  void trustCopyNamesFollowTrustConfigMapName() {
    Manifests rendered = helm.render("--set", "trustConfigMapName=team.tokens-trust");

    Rule update =
        rendered.rules("ClusterRole").stream()
            .filter(rule -> rule.grants("", "configmaps") && rule.verbs().contains("update"))
            .collect(onlyOne("configmaps update rule"));
    assertThat(update.resourceNames())
        .hasSize(16)
        .containsExactlyElementsOf(trustCopyNames("team.tokens-trust"))
        .contains("team.tokens-trust", "team.tokens-trust-1", "team.tokens-trust-15")
        .noneMatch(n -> n.startsWith("apitoken-trust"));
    assertThat(rendered.operatorEnv())
        .containsEntry("APITOKEN_TRUST_CONFIGMAP", "team.tokens-trust");
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void operatorStateIsWrittenOnlyThroughARoleInTheReleaseNamespace(String name) {
    Manifests rendered = rendering(name);
    List<Rule> state =
        rendered.rules("Role").stream().filter(rule -> STATE_ROLE.equals(rule.roleName())).toList();

    assertThat(state).isNotEmpty().allMatch(rule -> Helm.NAMESPACE.equals(rule.namespace()));
    Rule configMaps =
        state.stream().filter(r -> r.grants("", "configmaps")).collect(onlyOne("configmaps"));
    // <trust>-state, -revocations, -revocations-<k>, -issued-<k>: named at run time
    assertThat(configMaps.verbs())
        .containsExactlyInAnyOrder("get", "list", "watch", "create", "update", "delete");
    assertThat(configMaps.resourceNames()).isEmpty();
    // configmaps delete exists nowhere else: not cluster-wide, not in a watched namespace
    assertThat(rendered.allRules())
        .filteredOn(rule -> rule.grants("", "configmaps") && rule.verbs().contains("delete"))
        .containsExactly(configMaps);

    List<Rule> secrets = state.stream().filter(r -> r.grants("", "secrets")).toList();
    assertThat(secrets).hasSize(2);
    Rule byName =
        secrets.stream().filter(r -> !r.resourceNames().isEmpty()).collect(onlyOne("by name"));
    assertThat(byName.resourceNames()).containsExactly("apitoken-signing-keys");
    assertThat(byName.verbs()).containsExactlyInAnyOrder("get", "list", "watch", "update");
    Rule create =
        secrets.stream().filter(r -> r.resourceNames().isEmpty()).collect(onlyOne("create"));
    assertThat(create.verbs()).containsExactly("create");
  }

  @Test
  void keyRingRuleFollowsKeyRingSecretName() {
    Manifests rendered = helm.render("--set", "keyRingSecretName=my-keys");

    assertThat(rendered.rules("Role"))
        .filteredOn(rule -> rule.grants("", "secrets") && !rule.resourceNames().isEmpty())
        .singleElement()
        .extracting(Rule::resourceNames)
        .asInstanceOf(InstanceOfAssertFactories.LIST)
        .containsExactly("my-keys");
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void nothingPatchesSecretsOrConfigMaps(String name) {
    assertThat(rendering(name).allRules())
        .filteredOn(rule -> rule.grants("", "secrets") || rule.grants("", "configmaps"))
        .isNotEmpty()
        .allSatisfy(rule -> assertThat(rule.verbs()).as("%s", rule).doesNotContain("patch"));
  }

  @Test
  void watchNamespacesMovesApiTokensAndSecretsIntoRoles() {
    List<Rule> clusterRules = namespaced.rules("ClusterRole");

    assertThat(clusterRules)
        .flatExtracting(Rule::resources)
        .doesNotContain(
            "apitokens",
            "apitokens/status",
            "apitokens/finalizers",
            "secrets",
            "pods",
            "replicasets",
            "jobs",
            "deployments")
        // the trust ConfigMap is still copied into selected namespaces anywhere
        .contains("configmaps", "namespaces", "events");

    for (String namespace : List.of("team-a", "team-b", Helm.NAMESPACE)) {
      List<Rule> rules =
          namespaced.rules("Role").stream()
              .filter(rule -> namespace.equals(rule.namespace()))
              .filter(rule -> !rule.roleName().endsWith("-leader-election"))
              .filter(rule -> !STATE_ROLE.equals(rule.roleName()))
              .toList();
      assertThat(verbs(rules, "apitoken.dev", "apitokens"))
          .as("apitokens in %s", namespace)
          .containsExactlyInAnyOrder("get", "list", "watch", "patch");
      assertThat(verbs(rules, "apitoken.dev", "apitokens/status")).containsExactly("update");
      assertThat(verbs(rules, "apitoken.dev", "apitokens/finalizers")).containsExactly("update");
      assertThat(verbs(rules, "", "secrets"))
          .containsExactlyInAnyOrderElementsOf(TOKEN_SECRET_VERBS);
      assertConsumerRules(rules);
    }
    assertThat(namespaced.ofKind("Role"))
        .extracting(r -> r.at("/metadata/namespace").asText())
        .containsOnly("team-a", "team-b", Helm.NAMESPACE);
    assertThat(namespaced.operatorEnv())
        .containsEntry("APITOKEN_WATCH_NAMESPACES", "team-a,team-b," + Helm.NAMESPACE)
        .containsEntry("APITOKEN_TARGET_NAMESPACE_SELECTOR", "apitoken.dev/trust=enabled")
        .containsEntry("APITOKEN_LOG_FORMAT", "json");
  }

  /** rolloutRestart is off by default: the operator may read and change no workload. */
  @Test
  void byDefaultTheOperatorMayChangeNoWorkload() {
    Manifests rendered = helm.render();

    assertThat(rendered.allRules())
        .filteredOn(rule -> rule.apiGroups().contains("apps") || rule.apiGroups().contains("batch"))
        .isNotEmpty()
        .allSatisfy(rule -> assertThat(rule.verbs()).as("%s", rule).containsExactly("get"));
    assertThat(rendered.allRules())
        .flatExtracting(Rule::resources)
        .doesNotContain("deployments", "statefulsets", "daemonsets")
        .contains("pods", "replicasets", "jobs");
  }

  @Test
  void unwatchedReleaseNamespaceGetsOnlyTheKeyRingSecret() {
    Manifests rendered = helm.render("--set", "watchNamespaces={team-a}");

    List<Rule> releaseSecretRules =
        rendered.rules("Role").stream()
            .filter(rule -> Helm.NAMESPACE.equals(rule.namespace()))
            .filter(rule -> rule.grants("", "secrets"))
            .toList();
    // read, rotate and watch only the key ring; create is the one verb RBAC cannot name
    assertThat(releaseSecretRules)
        .allMatch(
            rule -> !rule.resourceNames().isEmpty() || rule.verbs().equals(List.of("create")));
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
    assertThat(rendered.ofKind("RoleBinding"))
        .extracting(b -> b.at("/metadata/name").asText())
        .containsExactly(STATE_ROLE);
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

  /** The ConfigMaps the operator may update in a target namespace: the copy and 15 shards. */
  private static List<String> trustCopyNames(String trust) {
    return Stream.concat(
            Stream.of(trust), IntStream.rangeClosed(1, 15).mapToObj(k -> trust + "-" + k))
        .toList();
  }

  /**
   * Finding the workloads that use a token Secret lists Pods and reads ReplicaSets and Jobs (to
   * reach Deployments and CronJobs); spec.rolloutRestart reads the three restartable kinds (is the
   * target a consumer?) and patches them. No watch and no get on Pods: one list per reconcile.
   */
  private static void assertConsumerRules(List<Rule> rules) {
    assertThat(verbs(rules, "", "pods")).containsExactly("list");
    assertThat(verbs(rules, "apps", "replicasets")).containsExactly("get");
    assertThat(verbs(rules, "batch", "jobs")).containsExactly("get");
    for (String kind : List.of("deployments", "statefulsets", "daemonsets")) {
      assertThat(verbs(rules, "apps", kind)).as(kind).containsExactly("get", "patch");
    }
  }

  private static Collector<Rule, ?, Rule> onlyOne(String what) {
    return Collectors.collectingAndThen(
        Collectors.toList(),
        found -> {
          assertThat(found).as(what).hasSize(1);
          return found.get(0);
        });
  }

  private static List<String> verbs(List<Rule> rules, String apiGroup, String resource) {
    List<Rule> matching = rules.stream().filter(rule -> rule.grants(apiGroup, resource)).toList();
    assertThat(matching).as("rules for %s/%s", apiGroup, resource).hasSize(1);
    return matching.get(0).verbs();
  }
}
