package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ArgoCdHealthScript;
import dev.apitoken.operator.testing.FluxHealthCheck;
import dev.apitoken.operator.testing.Kstatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One state machine for GitOps tools: for every set of conditions the operator writes ({@link
 * ConditionTable}, through {@link ConditionTableTest}'s table of outcomes) and the states before it
 * writes any, Argo CD's health check ({@code examples/argocd/apitoken-health.lua}, run as Argo CD
 * runs it) and kstatus (Flux, kpt; its rules in {@link Kstatus}) agree: transient is Progressing
 * and InProgress, terminal is Degraded and Failed, done is Healthy and Current. The one deliberate
 * exception is a revocation published everywhere: Argo CD shows Suspended, a state kstatus lacks.
 *
 * <p>Flux with the {@code healthCheckExprs} of {@code examples/flux/kustomization-health.yaml}
 * ({@link FluxHealthCheck}) agrees with Argo CD on every row, that one included: Current where Argo
 * CD says Healthy or Suspended, InProgress for Progressing, Failed for Degraded.
 */
class GitOpsHealthTest {
  /** Argo CD health, kstatus status. */
  record Verdict(String argo, String kstatus) {}

  private static final Verdict TRANSIENT = new Verdict("Progressing", Kstatus.IN_PROGRESS);
  private static final Verdict TERMINAL = new Verdict("Degraded", Kstatus.FAILED);
  private static final Verdict DONE = new Verdict("Healthy", Kstatus.CURRENT);

  /**
   * Revoked and published: final by intent, not a failure. Argo CD's Suspended keeps the
   * Application from turning red forever; kstatus has no such state and reads Ready=False as
   * InProgress.
   */
  private static final Verdict REVOKED = new Verdict("Suspended", Kstatus.IN_PROGRESS);

  /** The verdict for each outcome in {@link ConditionTableTest#table()}, by its name. */
  private static final Map<String, Verdict> OPERATOR_STATES =
      Map.ofEntries(
          Map.entry("revoking, write pending", TRANSIENT),
          Map.entry("revoking, write failing", TRANSIENT),
          Map.entry("revoking, write refused", TRANSIENT),
          Map.entry("revoked by spec.revoked, publishing", TRANSIENT),
          Map.entry("revoked by spec.revoked, published", REVOKED),
          Map.entry("revoked at spec.revokeAt, published", REVOKED),
          Map.entry("spec.revoked set back, published", REVOKED),
          Map.entry("invalid spec", TERMINAL),
          Map.entry("invalid spec, revocation scheduled", TERMINAL),
          Map.entry("Secret name taken", TERMINAL),
          Map.entry("signing key gone, waiting for its turn", TRANSIENT),
          Map.entry("signing key not yet published", TRANSIENT),
          Map.entry("issuance throttled", TRANSIENT),
          Map.entry("current token, nothing else asked", DONE),
          Map.entry("current token, revocation scheduled", DONE),
          Map.entry("current token, replaced tokens being revoked", TRANSIENT),
          Map.entry("cut-off ahead", DONE),
          Map.entry("cut-off passed, grace period running", DONE),
          Map.entry("cut-off passed, revocation being stored", TRANSIENT),
          Map.entry("cut-off passed, old tokens revoked", DONE),
          Map.entry("issuing failed", TRANSIENT),
          Map.entry("revoking failed", TRANSIENT));

  static List<Arguments> operatorStates() {
    return ConditionTableTest.table()
        .map(
            row -> {
              String name = (String) row.get()[0];
              ConditionTable.Situation situation = (ConditionTable.Situation) row.get()[1];
              return Arguments.of(name, situation);
            })
        .toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operatorStates")
  void argoCdAndKstatusReadWhatTheOperatorWritesTheSameWay(
      String name, ConditionTable.Situation situation) {
    assertThat(OPERATOR_STATES).as("a verdict for every outcome").containsKey(name);
    ApiToken apiToken = withConditions(ConditionTable.rows(situation));

    assertThat(verdict(apiToken)).as(name).isEqualTo(OPERATOR_STATES.get(name));
  }

  /** What Flux with the example's expressions should say for each Argo CD health. */
  private static final Map<String, String> FLUX_FOR_ARGO_CD =
      Map.of(
          "Healthy", Kstatus.CURRENT,
          "Suspended", Kstatus.CURRENT,
          "Progressing", Kstatus.IN_PROGRESS,
          "Degraded", Kstatus.FAILED);

  @ParameterizedTest(name = "{0}")
  @MethodSource("operatorStates")
  void fluxWithTheExampleExpressionsReadsWhatTheOperatorWritesAsArgoCdDoes(
      String name, ConditionTable.Situation situation) {
    ApiToken apiToken = withConditions(ConditionTable.rows(situation));

    assertThat(fluxWithExample(apiToken))
        .as(name)
        .isEqualTo(FLUX_FOR_ARGO_CD.get(ArgoCdHealthScript.evaluate(apiToken).status()));
  }

  @Test
  void fluxWithTheExampleExpressionsReadsTheStatesBeforeTheOperatorWritesAsArgoCdDoes() {
    ApiToken deleting = withConditions(ConditionTable.rows(settledRow()));
    deleting.getMetadata().setDeletionTimestamp("2026-11-01T10:00:00Z");
    assertThat(fluxWithExample(deleting)).isEqualTo(Kstatus.IN_PROGRESS);

    ApiToken newerSpec = withConditions(ConditionTable.rows(settledRow()));
    newerSpec.getMetadata().setGeneration(2L);
    assertThat(fluxWithExample(newerSpec)).isEqualTo(Kstatus.IN_PROGRESS);

    // Ready observed for an older generation while status.observedGeneration is current: Flux's
    // own generation check passes, the expressions catch it as the Lua does.
    ApiToken readyFromAnOlderGeneration = withConditions(ConditionTable.rows(settledRow()));
    readyFromAnOlderGeneration.getMetadata().setGeneration(2L);
    readyFromAnOlderGeneration.getStatus().setObservedGeneration(2L);
    assertThat(ArgoCdHealthScript.evaluate(readyFromAnOlderGeneration).status())
        .isEqualTo("Progressing");
    assertThat(fluxWithExample(readyFromAnOlderGeneration)).isEqualTo(Kstatus.IN_PROGRESS);

    ApiToken readyFalseFromAnOlderOperator =
        withConditions(
            List.of(
                new ConditionTable.Row(
                    "Ready", "False", "IssueFailed", "written without Reconciling or Stalled")));
    assertThat(fluxWithExample(readyFalseFromAnOlderOperator)).isEqualTo(Kstatus.IN_PROGRESS);

    // No status at all: the expressions cannot read `status`, Flux reports Unknown with the
    // error and keeps waiting, where kstatus alone says Current. Argo CD says Progressing.
    ApiToken unseen = ApiTokens.named("orders-reader").in("shop").build();
    unseen.getMetadata().setGeneration(1L);
    unseen.setStatus(null);
    assertThat(fluxWithExample(unseen)).isEqualTo(FluxHealthCheck.UNKNOWN);
  }

  @Test
  void withoutTheRevokedClauseFluxWaitsForARevokedTokenAndTheComparisonSaysSo() {
    FluxHealthCheck.Expressions readyOnly =
        FluxHealthCheck.fromExample()
            .withCurrent(
                "has(status.conditions)"
                    + " && status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')");
    List<String> disagreements = new ArrayList<>();
    for (Arguments row : operatorStates()) {
      String name = (String) row.get()[0];
      ApiToken apiToken =
          withConditions(ConditionTable.rows((ConditionTable.Situation) row.get()[1]));
      String argoCd = ArgoCdHealthScript.evaluate(apiToken).status();
      if (!FLUX_FOR_ARGO_CD.get(argoCd).equals(FluxHealthCheck.evaluate(readyOnly, apiToken))) {
        disagreements.add(name);
      }
    }

    assertThat(disagreements)
        .containsExactlyInAnyOrder(
            "revoked by spec.revoked, published",
            "revoked at spec.revokeAt, published",
            "spec.revoked set back, published");
  }

  private static String fluxWithExample(ApiToken apiToken) {
    return FluxHealthCheck.evaluate(FluxHealthCheck.fromExample(), apiToken);
  }

  @Test
  void everyOutcomeOfTheConditionTableHasAVerdict() {
    Set<String> outcomes =
        ConditionTableTest.table().map(row -> (String) row.get()[0]).collect(Collectors.toSet());

    assertThat(OPERATOR_STATES.keySet()).isEqualTo(outcomes);
  }

  @Test
  void statesBeforeTheOperatorWritesAreTransientForBothButKstatusCannotSeeTheFirst() {
    ApiToken deleting = withConditions(ConditionTable.rows(settledRow()));
    deleting.getMetadata().setDeletionTimestamp("2026-11-01T10:00:00Z");
    assertThat(verdict(deleting)).isEqualTo(new Verdict("Progressing", Kstatus.TERMINATING));

    ApiToken newerSpec = withConditions(ConditionTable.rows(settledRow()));
    newerSpec.getMetadata().setGeneration(2L);
    assertThat(verdict(newerSpec)).isEqualTo(TRANSIENT);

    ApiToken readyFalseFromAnOlderOperator =
        withConditions(
            List.of(
                new ConditionTable.Row(
                    "Ready", "False", "IssueFailed", "written without Reconciling or Stalled")));
    assertThat(verdict(readyFalseFromAnOlderOperator)).isEqualTo(TRANSIENT);

    // kstatus reads an object with no status at all as Current: it cannot tell "not reconciled
    // yet" from "needs no reconciling". Argo CD waits for the operator.
    ApiToken unseen = ApiTokens.named("orders-reader").in("shop").build();
    unseen.getMetadata().setGeneration(1L);
    unseen.setStatus(null);
    assertThat(verdict(unseen)).isEqualTo(new Verdict("Progressing", Kstatus.CURRENT));
  }

  private static ConditionTable.Situation settledRow() {
    return ConditionTableTest.table()
        .filter(row -> row.get()[0].equals("current token, nothing else asked"))
        .map(row -> (ConditionTable.Situation) row.get()[1])
        .findFirst()
        .orElseThrow();
  }

  private static Verdict verdict(ApiToken apiToken) {
    return new Verdict(ArgoCdHealthScript.evaluate(apiToken).status(), Kstatus.compute(apiToken));
  }

  /** The ApiToken at generation 1 with the conditions {@code rows} set, as the operator writes. */
  private static ApiToken withConditions(List<ConditionTable.Row> rows) {
    ApiToken apiToken = ApiTokens.named("orders-reader").in("shop").build();
    apiToken.getMetadata().setGeneration(1L);
    Map<String, Condition> byType = new LinkedHashMap<>();
    for (ConditionTable.Row row : rows) {
      if (row.status() == null) {
        byType.remove(row.type());
      } else {
        byType.put(
            row.type(),
            new ConditionBuilder()
                .withType(row.type())
                .withStatus(row.status())
                .withReason(row.reason())
                .withMessage(row.message())
                .withObservedGeneration(1L)
                .withLastTransitionTime("2026-11-01T10:00:00Z")
                .build());
      }
    }
    ApiTokenStatus status = new ApiTokenStatus();
    status.setObservedGeneration(1L);
    status.setConditions(new ArrayList<>(byType.values()));
    apiToken.setStatus(status);
    return apiToken;
  }
}
