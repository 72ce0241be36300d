package dev.apitoken.operator.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart grants what the operator uses, and nothing more. Two replicas of the operator run as a
 * fresh release's ServiceAccount through issue, reissue, revoke, delete and a fail-over; the API
 * server's audit log lists every request they made. Each request must be allowed by a rule the
 * chart rendered, none may be refused, and each verb of each rendered rule must have been used or
 * be listed below with the path that needs it.
 */
@ExtendWith(RealApi.class)
class RealApiRbacAuditTest {
  private static final String RELEASE = "audit";
  private static final String OPERATOR_NAMESPACE = "apitoken-audit";
  private static final String NAMESPACE = "team-audit";
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * Granted, needed, but not on this scenario's path: "group|resource|verb" and why. Every entry
   * here is also explained in the RBAC table of docs/SECURITY.md.
   */
  private static final Map<String, String> NEEDED_OFF_THIS_PATH =
      Map.of(
          "apitoken.dev|apitokens/finalizers|update",
          "owner references to an ApiToken under the OwnerReferencesPermissionEnforcement"
              + " admission plugin (off here)",
          "apps|replicasets|get",
          "tracing a consuming Pod to its Deployment (no Pods here)",
          "batch|jobs|get",
          "tracing a consuming Pod to its CronJob (no Pods here)",
          "|secrets|update",
          "rotating, pruning or repairing the key ring (rotation period 720h)",
          "|configmaps|delete",
          "a ledger or issue-record shard left empty by pruning; the old single-map ledger");

  /** Allowed to every authenticated user by the API server's default roles, not by the chart. */
  private static final Set<String> EVERY_USER_MAY =
      Set.of(
          "authorization.k8s.io|selfsubjectrulesreviews|create",
          "authorization.k8s.io|selfsubjectaccessreviews|create");

  private InstalledOperator installed;
  private KubernetesClient admin;

  @BeforeEach
  void install(RealApiServer server) {
    installed = new InstalledOperator(server, RELEASE, OPERATOR_NAMESPACE);
    admin = installed.admin();
    installed.createNamespace(NAMESPACE);
  }

  @AfterEach
  void stop() throws Exception {
    installed.close();
  }

  @Test
  void everyRequestTheOperatorMakesIsGrantedAndEveryGrantIsUsed() {
    RunningOperator first = installed.startReplica();
    String firstIdentity = installed.awaitLeader(WAIT);
    RunningOperator second = installed.startReplica();

    admin.resource(ApiTokens.named("kept").in(NAMESPACE).scopes("read").build()).create();
    admin.resource(ApiTokens.named("leaked").in(NAMESPACE).build()).create();
    admin.resource(ApiTokens.named("retired").in(NAMESPACE).build()).create();
    ApiToken kept = awaitCondition(first, "kept", Conditions.READY, Conditions.TRUE);
    awaitCondition(first, "leaked", Conditions.READY, Conditions.TRUE);
    ApiToken retired = awaitCondition(first, "retired", Conditions.READY, Conditions.TRUE);

    kept.getSpec().setScopes(List.of("write"));
    admin.resource(kept).update();
    first.awaitNewToken(NAMESPACE, "kept", kept.getStatus().getJti());

    // Fail-over: the leader stops (releasing the Lease), the standby takes over.
    first.close();
    await()
        .atMost(WAIT)
        .until(
            () ->
                InstalledOperator.held(installed.lease())
                    && !firstIdentity.equals(InstalledOperator.holder(installed.lease()))
                    && second.operator().leading());

    ApiToken leaked = second.get(NAMESPACE, "leaked");
    leaked.getSpec().setRevoked(true);
    admin.resource(leaked).update();
    awaitCondition(second, "leaked", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    admin.resource(retired).delete();
    await().atMost(WAIT).until(() -> second.get(NAMESPACE, "retired") == null);
    installed.deleteApiTokens(NAMESPACE);
    second.close();

    String user =
        RealApiServer.serviceAccountUser(OPERATOR_NAMESPACE, installed.chart().serviceAccount());
    List<AuditLog.Event> requests =
        AuditLog.read(installed.server().auditLog()).stream()
            .filter(e -> e.user().equals(user))
            .toList();
    assertThat(requests).as("the audit log holds the operator's requests").isNotEmpty();

    assertThat(requests.stream().filter(e -> e.code() == 403).map(RealApiRbacAuditTest::describe))
        .as("requests the API server refused the operator")
        .isEmpty();

    List<ChartRelease.Grant> grants = installed.chart().grants();
    List<String> notGranted = new ArrayList<>();
    Map<String, Set<String>> used = new LinkedHashMap<>();
    for (AuditLog.Event e : requests) {
      if (e.resource().isEmpty()) {
        continue; // discovery and other non-resource URLs: open to every authenticated user
      }
      String key = e.apiGroup() + "|" + e.rbacResource() + "|" + e.verb();
      if (EVERY_USER_MAY.contains(key)) {
        continue;
      }
      List<ChartRelease.Grant> allowing = grants.stream().filter(g -> allows(g, e)).toList();
      if (allowing.isEmpty()) {
        notGranted.add(describe(e));
      }
      for (ChartRelease.Grant g : allowing) {
        used.computeIfAbsent(grantKey(g), k -> new TreeSet<>()).add(key);
      }
    }
    assertThat(notGranted).as("requests no rendered rule allows").isEmpty();

    List<String> unused = new ArrayList<>();
    for (ChartRelease.Grant g : grants) {
      for (String group : g.rule().getApiGroups()) {
        for (String resource : g.rule().getResources()) {
          for (String verb : g.rule().getVerbs()) {
            String key = group + "|" + resource + "|" + verb;
            boolean wasUsed = used.getOrDefault(grantKey(g), Set.of()).contains(key);
            if (!wasUsed && !NEEDED_OFF_THIS_PATH.containsKey(key)) {
              unused.add(grantKey(g) + ": " + key);
            }
          }
        }
      }
    }
    System.out.println("operator requests by rule: " + used);
    assertThat(unused)
        .as("granted verbs the scenario never used and no known path needs")
        .isEmpty();
  }

  private static boolean allows(ChartRelease.Grant grant, AuditLog.Event e) {
    PolicyRule rule = grant.rule();
    return (grant.namespace() == null || grant.namespace().equals(e.namespace()))
        && rule.getApiGroups().contains(e.apiGroup())
        && rule.getResources().contains(e.rbacResource())
        && rule.getVerbs().contains(e.verb())
        && (rule.getResourceNames() == null
            || rule.getResourceNames().isEmpty()
            || rule.getResourceNames().contains(e.name()));
  }

  private static String grantKey(ChartRelease.Grant g) {
    PolicyRule r = g.rule();
    return g.role()
        + " "
        + r.getApiGroups()
        + r.getResources()
        + r.getVerbs()
        + (r.getResourceNames() == null || r.getResourceNames().isEmpty()
            ? ""
            : " names " + r.getResourceNames());
  }

  private static String describe(AuditLog.Event e) {
    return e.verb()
        + " "
        + (e.apiGroup().isEmpty() ? "" : e.apiGroup() + "/")
        + e.rbacResource()
        + (e.namespace().isEmpty() ? "" : " in " + e.namespace())
        + (e.name().isEmpty() ? "" : " named " + e.name())
        + " -> "
        + e.code();
  }

  private ApiToken awaitCondition(
      RunningOperator replica, String name, String type, String status) {
    await()
        .atMost(WAIT)
        .until(() -> ConditionAssert.hasCondition(replica.get(NAMESPACE, name), type, status));
    return replica.get(NAMESPACE, name);
  }
}
