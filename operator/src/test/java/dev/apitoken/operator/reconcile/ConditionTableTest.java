package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.revocation.RevocationPolicy;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.token.IssuanceBudget;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every outcome a reconcile can have, and the conditions it shows: status/reason per condition
 * type, "-" for a condition removed, absent for one left as it was.
 */
class ConditionTableTest {
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00.750Z");
  private static final Instant LATER = NOW.plus(Duration.ofHours(1));

  private static final RevocationPolicy.Decision NOT_REVOKED =
      RevocationPolicy.decide(false, Optional.empty(), Optional.empty(), NOW);
  private static final RevocationPolicy.Decision SCHEDULED =
      RevocationPolicy.decide(false, Optional.of(LATER), Optional.empty(), NOW);
  private static final RevocationPolicy.Decision SPEC_REVOKED =
      RevocationPolicy.decide(true, Optional.empty(), Optional.empty(), NOW);
  private static final RevocationPolicy.Decision ON_SCHEDULE =
      RevocationPolicy.decide(false, Optional.of(NOW), Optional.empty(), NOW);
  private static final RevocationPolicy.Decision FINAL =
      RevocationPolicy.decide(false, Optional.empty(), Optional.of(NOW), NOW);

  private static final ShardedStore.Failure REFUSED =
      new ShardedStore.Failure("trust-revocations-0", 422, "Invalid", true);
  private static final ShardedStore.Failure UNAVAILABLE =
      new ShardedStore.Failure("trust-revocations-0", 503, "ServiceUnavailable", false);

  private static final TokenClaims CLAIMS =
      new TokenClaims(
          "https://issuer", "client", List.of(), List.of(), NOW, NOW, LATER, "jti-1", 7, "u");
  private static final TokenIssuance.Current CURRENT =
      new TokenIssuance.Current(CLAIMS, LATER, null);

  static Stream<Arguments> table() {
    return Stream.of(
        // Revoking a whole ApiToken: recording, publishing, published; each cause's reason.
        arguments(
            "revoking, write pending",
            revoking(SPEC_REVOKED, TokenRevocation.Stage.RECORDING, Optional.empty()),
            Map.of(
                "Ready", "False/Revoked",
                "Reconciling", "True/Revoking",
                "Stalled", "False/Revoking",
                "Revoked", "False/Recording")),
        arguments(
            "revoking, write failing",
            revoking(SPEC_REVOKED, TokenRevocation.Stage.RECORDING, Optional.of(UNAVAILABLE)),
            Map.of(
                "Ready", "False/Revoked",
                "Reconciling", "True/Revoking",
                "Stalled", "False/Revoking",
                "Revoked", "False/Recording")),
        arguments(
            "revoking, write refused",
            revoking(SPEC_REVOKED, TokenRevocation.Stage.RECORDING, Optional.of(REFUSED)),
            Map.of(
                "Ready", "False/Revoked",
                "Reconciling", "True/Revoking",
                "Stalled", "False/Revoking",
                "Revoked", "False/RevocationStoreRefused")),
        arguments(
            "revoked by spec.revoked, publishing",
            revoking(SPEC_REVOKED, TokenRevocation.Stage.PUBLISHING, Optional.empty()),
            Map.of(
                "Ready", "False/Revoked",
                "Reconciling", "True/Revoking",
                "Stalled", "False/Revoking",
                "Revoked", "True/Revoked",
                "RevocationPublished", "False/Publishing")),
        arguments(
            "revoked by spec.revoked, published",
            revoking(SPEC_REVOKED, TokenRevocation.Stage.PUBLISHED, Optional.empty()),
            Map.of(
                "Ready", "False/Revoked",
                "Reconciling", "False/Settled",
                "Stalled", "False/Settled",
                "Revoked", "True/Revoked",
                "RevocationPublished", "True/Published")),
        arguments(
            "revoked at spec.revokeAt, published",
            revoking(ON_SCHEDULE, TokenRevocation.Stage.PUBLISHED, Optional.empty()),
            Map.of(
                "Ready", "False/Revoked",
                "Reconciling", "False/Settled",
                "Stalled", "False/Settled",
                "Revoked", "True/RevokedOnSchedule",
                "RevocationPublished", "True/Published")),
        arguments(
            "spec.revoked set back, published",
            revoking(FINAL, TokenRevocation.Stage.PUBLISHED, Optional.empty()),
            Map.of(
                "Ready", "False/Revoked",
                "Reconciling", "False/Settled",
                "Stalled", "False/Settled",
                "Revoked", "True/RevocationFinal",
                "RevocationPublished", "True/Published")),
        // A spec that cannot be issued.
        arguments(
            "invalid spec",
            new ConditionTable.InvalidSpec(NOT_REVOKED, "spec.ttl: not a duration"),
            Map.of(
                "Ready", "False/InvalidSpec",
                "Reconciling", "False/InvalidSpec",
                "Stalled", "True/InvalidSpec",
                "Revoked", "-")),
        arguments(
            "invalid spec, revocation scheduled",
            new ConditionTable.InvalidSpec(SCHEDULED, "spec.ttl: not a duration"),
            Map.of(
                "Ready", "False/InvalidSpec",
                "Reconciling", "False/InvalidSpec",
                "Stalled", "True/InvalidSpec",
                "Revoked", "False/Scheduled")),
        // Issuance outcomes.
        arguments(
            "Secret name taken",
            issuing(NOT_REVOKED, new TokenIssuance.SecretConflict("orders-token"), null),
            Map.of(
                "Ready", "False/SecretConflict",
                "Reconciling", "False/SecretConflict",
                "Stalled", "True/SecretConflict",
                "Revoked", "-")),
        arguments(
            "signing key gone, waiting for its turn",
            issuing(
                NOT_REVOKED,
                new TokenIssuance.SigningKeyGone(
                    "signing key k1 is gone", 10, Duration.ofMinutes(1), Duration.ofSeconds(5)),
                null),
            Map.of(
                "Ready", "False/SigningKeyGone",
                "Reconciling", "True/Issuing",
                "Stalled", "False/Issuing",
                "Revoked", "-")),
        arguments(
            "signing key not yet published",
            issuing(
                NOT_REVOKED,
                new TokenIssuance.SigningKeyNotPublished(
                    "first issue", "k2", Duration.ofSeconds(30)),
                null),
            Map.of(
                "Ready", "False/SigningKeyNotPublished",
                "Reconciling", "True/Issuing",
                "Stalled", "False/Issuing",
                "Revoked", "-")),
        arguments(
            "issuance throttled",
            issuing(
                NOT_REVOKED,
                new TokenIssuance.Throttled(
                    "the Secret is missing",
                    new IssuanceBudget.Deferral(LATER, 5, Duration.ofMinutes(10)),
                    Duration.ofHours(1)),
                null),
            Map.of(
                "Ready", "False/IssuanceThrottled",
                "Reconciling", "True/Issuing",
                "Stalled", "False/Issuing",
                "Revoked", "-")),
        arguments(
            "current token, nothing else asked",
            issuing(NOT_REVOKED, CURRENT, previous(false, PreviousTokens.CutOff.NOT_ASKED)),
            Map.of(
                "Ready", "True/Issued",
                "Reconciling", "False/Settled",
                "Stalled", "False/Settled",
                "Revoked", "-",
                "PreviousTokensRevoked", "-")),
        arguments(
            "current token, revocation scheduled",
            issuing(SCHEDULED, CURRENT, previous(false, PreviousTokens.CutOff.UNCHANGED)),
            Map.of(
                "Ready", "True/Issued",
                "Reconciling", "False/Settled",
                "Stalled", "False/Settled",
                "Revoked", "False/Scheduled")),
        arguments(
            "current token, replaced tokens being revoked",
            issuing(NOT_REVOKED, CURRENT, previous(true, PreviousTokens.CutOff.UNCHANGED)),
            Map.of(
                "Ready", "True/Issued",
                "Reconciling", "True/Revoking",
                "Stalled", "False/Revoking",
                "Revoked", "-")),
        // spec.revokeIssuedBefore, once the Secret holds a current token.
        arguments(
            "cut-off ahead",
            issuing(
                NOT_REVOKED, CURRENT, previous(false, cutOff(PreviousTokens.CutOffStage.NOT_YET))),
            Map.of(
                "Ready", "True/Issued",
                "Reconciling", "False/Settled",
                "Stalled", "False/Settled",
                "Revoked", "-",
                "PreviousTokensRevoked", "False/Scheduled")),
        arguments(
            "cut-off passed, grace period running",
            issuing(
                NOT_REVOKED, CURRENT, previous(false, cutOff(PreviousTokens.CutOffStage.IN_GRACE))),
            Map.of(
                "Ready", "True/Issued",
                "Reconciling", "False/Settled",
                "Stalled", "False/Settled",
                "Revoked", "-",
                "PreviousTokensRevoked", "False/Scheduled")),
        arguments(
            "cut-off passed, revocation being stored",
            issuing(
                NOT_REVOKED, CURRENT, previous(true, cutOff(PreviousTokens.CutOffStage.RECORDING))),
            Map.of(
                "Ready", "True/Issued",
                "Reconciling", "True/Revoking",
                "Stalled", "False/Revoking",
                "Revoked", "-",
                "PreviousTokensRevoked", "False/Recording")),
        arguments(
            "cut-off passed, old tokens revoked",
            issuing(
                NOT_REVOKED, CURRENT, previous(false, cutOff(PreviousTokens.CutOffStage.REVOKED))),
            Map.of(
                "Ready", "True/Issued",
                "Reconciling", "False/Settled",
                "Stalled", "False/Settled",
                "Revoked", "-",
                "PreviousTokensRevoked", "True/Revoked")),
        // A reconcile that threw.
        arguments(
            "issuing failed",
            new ConditionTable.Failed(false, "the Kubernetes API answered 500"),
            Map.of(
                "Ready", "False/IssueFailed",
                "Reconciling", "True/IssueFailed",
                "Stalled", "False/IssueFailed")),
        arguments(
            "revoking failed",
            new ConditionTable.Failed(true, "the Kubernetes API answered 500"),
            Map.of(
                "Ready", "False/RevocationFailed",
                "Reconciling", "True/RevocationFailed",
                "Stalled", "False/RevocationFailed")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void eachOutcomeShowsItsConditions(
      String name, ConditionTable.Situation situation, Map<String, String> expected) {
    assertThat(shown(ConditionTable.rows(situation))).isEqualTo(expected);
  }

  @Test
  void everyReasonInConditionsIsShownBySomeOutcomeAndNoOtherIs() throws IllegalAccessException {
    Set<String> declared = new TreeSet<>();
    for (Field field : Conditions.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getName().startsWith("REASON_")) {
        declared.add((String) field.get(null));
      }
    }
    Set<String> shown =
        table()
            .flatMap(
                row ->
                    ConditionTable.rows((ConditionTable.Situation) row.get()[1]).stream()
                        .map(ConditionTable.Row::reason))
            .filter(reason -> reason != null)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(shown).isEqualTo(declared);
  }

  @Test
  void messagesSayWhatHappened() {
    assertThat(
            message(
                revoking(SPEC_REVOKED, TokenRevocation.Stage.PUBLISHED, Optional.empty()),
                Conditions.READY))
        .isEqualTo("revoked at 2026-01-01T12:00:00Z: leaked");
    assertThat(
            message(
                revoking(SPEC_REVOKED, TokenRevocation.Stage.PUBLISHED, Optional.empty()),
                Conditions.REVOCATION_PUBLISHED))
        .isEqualTo("2 token(s) revoked in the status list of all 3 target namespace(s)");
    assertThat(
            message(
                revoking(SPEC_REVOKED, TokenRevocation.Stage.RECORDING, Optional.of(REFUSED)),
                Conditions.REVOKED))
        .isEqualTo(
            "revocation of 2 token(s) is being recorded, retrying: the Kubernetes API answered 422"
                + " Invalid for ConfigMap trust-revocations-0; the Secret is deleted once it is"
                + " recorded");
    assertThat(message(issuing(NOT_REVOKED, CURRENT, previous(false, null)), Conditions.READY))
        .isEqualTo(
            "token jti-1 is valid until 2026-01-01T13:00:00Z; it is renewed at"
                + " 2026-01-01T13:00:00.750Z");
    assertThat(
            message(
                issuing(
                    NOT_REVOKED,
                    CURRENT,
                    previous(false, cutOff(PreviousTokens.CutOffStage.IN_GRACE))),
                Conditions.PREVIOUS_TOKENS_REVOKED))
        .isEqualTo(
            "2 token(s) issued before 2026-01-01T00:00:00Z are revoked at 2026-01-01T13:00:00Z,"
                + " after the grace period; the fresh token is in the Secret");
    assertThat(message(new ConditionTable.Failed(true, "the Kubernetes API answered 500"), "Ready"))
        .isEqualTo("revoking failed, retrying: the Kubernetes API answered 500");
  }

  private static Map<String, String> shown(List<ConditionTable.Row> rows) {
    assertThat(rows.stream().map(ConditionTable.Row::type))
        .as("each condition type set once")
        .doesNotHaveDuplicates();
    Map<String, String> shown = new LinkedHashMap<>();
    for (ConditionTable.Row row : rows) {
      shown.put(row.type(), row.status() == null ? "-" : row.status() + "/" + row.reason());
    }
    return shown;
  }

  private static String message(ConditionTable.Situation situation, String type) {
    return ConditionTable.rows(situation).stream()
        .filter(row -> row.type().equals(type))
        .findFirst()
        .orElseThrow()
        .message();
  }

  private static ConditionTable.Revoking revoking(
      RevocationPolicy.Decision decision,
      TokenRevocation.Stage stage,
      Optional<ShardedStore.Failure> failure) {
    return new ConditionTable.Revoking(
        decision,
        new TokenRevocation.Outcome(
            new TokenRevocation.Recorded(stage, List.of(3L, 4L), failure), "leaked", 3));
  }

  private static ConditionTable.Issuing issuing(
      RevocationPolicy.Decision decision,
      TokenIssuance.Outcome issuance,
      PreviousTokens.Outcome previous) {
    return new ConditionTable.Issuing(decision, issuance, previous);
  }

  private static PreviousTokens.Outcome previous(boolean recording, PreviousTokens.CutOff cutOff) {
    return new PreviousTokens.Outcome(
        recording, Optional.empty(), cutOff == null ? PreviousTokens.CutOff.UNCHANGED : cutOff);
  }

  private static PreviousTokens.CutOff cutOff(PreviousTokens.CutOffStage stage) {
    return new PreviousTokens.CutOff(
        stage,
        "2026-01-01T00:00:00Z",
        2,
        LATER,
        stage == PreviousTokens.CutOffStage.REVOKED ? "jti-1" : null);
  }
}
