package dev.apitoken.operator.reconcile;

import static dev.apitoken.operator.api.Conditions.FALSE;
import static dev.apitoken.operator.api.Conditions.TRUE;

import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.revocation.RevocationPolicy;
import dev.apitoken.operator.store.ShardedStore;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place where what a reconcile found and did becomes conditions: every condition an
 * ApiToken shows, with its status, reason and message, is decided here from the outcomes of {@link
 * TokenRevocation}, {@link SpecResolver}, {@link TokenIssuance} and {@link PreviousTokens}. Pure:
 * no Kubernetes calls, so each row of the table is tested on its own.
 */
final class ConditionTable {
  private ConditionTable() {}

  /** One condition to set, or (status null) to remove. */
  record Row(String type, String status, String reason, String message) {
    static Row removed(String type) {
      return new Row(type, null, null, null);
    }
  }

  /** What one reconcile found and did; each kind has its rows. */
  sealed interface Situation {}

  /** The ApiToken's tokens are being (or stay) revoked. */
  record Revoking(RevocationPolicy.Decision decision, TokenRevocation.Outcome revocation)
      implements Situation {}

  /** The spec cannot be issued as written: {@code problem} names the field. */
  record InvalidSpec(RevocationPolicy.Decision decision, String problem) implements Situation {}

  /**
   * A live ApiToken after {@link TokenIssuance}; {@code previous} is what {@link PreviousTokens}
   * did once the Secret held a current token, null when it did not.
   */
  record Issuing(
      RevocationPolicy.Decision decision,
      TokenIssuance.Outcome issuance,
      PreviousTokens.Outcome previous)
      implements Situation {}

  /** The reconcile threw; {@code cause} describes the failure (never a message that echoes). */
  record Failed(boolean revoking, String cause) implements Situation {
    String reason() {
      return revoking ? Conditions.REASON_REVOCATION_FAILED : Conditions.REASON_ISSUE_FAILED;
    }

    String message() {
      return (revoking ? "revoking" : "issuing") + " failed, retrying: " + cause;
    }
  }

  static final String SETTLED_MESSAGE = "the ApiToken is in the state its spec asks for";
  static final String REVOKING_MESSAGE = "revoking every token of this ApiToken";
  static final String REVOKING_PREVIOUS_MESSAGE = "revoking tokens replaced by a newer one";
  static final String WAITING_MESSAGE = "a new token is due and waits its turn";
  static final String CONFLICT_MESSAGE = "the Secret name is taken by another Secret";

  static List<Row> rows(Situation situation) {
    List<Row> rows = new ArrayList<>();
    if (situation instanceof Revoking revoking) {
      revoking(revoking, rows);
    } else if (situation instanceof InvalidSpec invalid) {
      scheduledRevocation(invalid.decision(), rows);
      rows.add(new Row(Conditions.READY, FALSE, Conditions.REASON_INVALID_SPEC, invalid.problem()));
      stalled(Conditions.REASON_INVALID_SPEC, invalid.problem(), rows);
    } else if (situation instanceof Issuing issuing) {
      scheduledRevocation(issuing.decision(), rows);
      issuing(issuing.issuance(), issuing.previous(), rows);
    } else if (situation instanceof Failed failed) {
      rows.add(new Row(Conditions.READY, FALSE, failed.reason(), failed.message()));
      reconciling(failed.reason(), failed.message(), rows);
    }
    return rows;
  }

  /** The condition reason for why a revocation was decided. */
  static String revokedReason(RevocationPolicy.Cause cause) {
    return switch (cause) {
      case SPEC_REVOKED -> Conditions.REASON_REVOKED;
      case REVOKE_AT_REACHED -> Conditions.REASON_REVOKED_ON_SCHEDULE;
      case FINAL -> Conditions.REASON_REVOCATION_FINAL;
      case REVOKE_AT_AHEAD -> Conditions.REASON_SCHEDULED;
      case NOT_REQUESTED -> throw new IllegalArgumentException("nothing revoked: no reason");
    };
  }

  private static void revoking(Revoking revoking, List<Row> rows) {
    RevocationPolicy.Decision decision = revoking.decision();
    TokenRevocation.Outcome outcome = revoking.revocation();
    TokenRevocation.Recorded recorded = outcome.recorded();
    if (recorded.stage() == TokenRevocation.Stage.RECORDING) {
      String why =
          recorded.failure().map(ShardedStore.Failure::describe).orElse("waiting for the write");
      rows.add(
          new Row(
              Conditions.REVOKED,
              FALSE,
              recorded.failure().filter(ShardedStore.Failure::refused).isPresent()
                  ? Conditions.REASON_REVOCATION_STORE_REFUSED
                  : Conditions.REASON_RECORDING,
              "revocation of "
                  + recorded.tokens()
                  + " token(s) is being recorded, retrying: "
                  + why
                  + "; the Secret is deleted once it is recorded"));
      rows.add(
          new Row(
              Conditions.READY,
              FALSE,
              Conditions.REASON_REVOKED,
              "being revoked: " + outcome.reason()));
      reconciling(Conditions.REASON_REVOKING, REVOKING_MESSAGE, rows);
      return;
    }
    rows.add(
        new Row(Conditions.REVOKED, TRUE, revokedReason(decision.cause()), decision.message()));
    rows.add(
        new Row(
            Conditions.READY,
            FALSE,
            Conditions.REASON_REVOKED,
            "revoked at "
                + decision.at().truncatedTo(ChronoUnit.SECONDS)
                + ": "
                + outcome.reason()));
    if (recorded.stage() == TokenRevocation.Stage.PUBLISHED) {
      rows.add(
          new Row(
              Conditions.REVOCATION_PUBLISHED,
              TRUE,
              Conditions.REASON_PUBLISHED,
              recorded.tokens()
                  + " token(s) revoked in the status list of all "
                  + outcome.targetNamespaces()
                  + " target namespace(s)"));
      settled(rows);
    } else {
      rows.add(
          new Row(
              Conditions.REVOCATION_PUBLISHED,
              FALSE,
              Conditions.REASON_PUBLISHING,
              "recorded; being written to "
                  + outcome.targetNamespaces()
                  + " target namespace(s)"
                  + refusals(outcome.refusingNamespaces())));
      reconciling(Conditions.REASON_REVOKING, REVOKING_MESSAGE, rows);
    }
  }

  /** "; refused by ..." naming each namespace refusing its copy and why; "" when none. */
  private static String refusals(java.util.Map<String, String> refusing) {
    if (refusing.isEmpty()) {
      return "";
    }
    StringBuilder text = new StringBuilder("; refused:");
    new java.util.TreeMap<>(refusing)
        .forEach((namespace, reason) -> text.append(' ').append(reason).append(';'));
    text.setLength(text.length() - 1);
    return text.append(" (fix or deselect the namespace)").toString();
  }

  /** Revoked on a live ApiToken: False while spec.revokeAt lies ahead, else absent. */
  private static void scheduledRevocation(RevocationPolicy.Decision decision, List<Row> rows) {
    if (decision.kind() == RevocationPolicy.Kind.SCHEDULED) {
      rows.add(
          new Row(Conditions.REVOKED, FALSE, revokedReason(decision.cause()), decision.message()));
    } else {
      rows.add(Row.removed(Conditions.REVOKED));
    }
  }

  private static void issuing(
      TokenIssuance.Outcome issuance, PreviousTokens.Outcome previous, List<Row> rows) {
    if (issuance instanceof TokenIssuance.SecretConflict conflict) {
      rows.add(
          new Row(Conditions.READY, FALSE, Conditions.REASON_SECRET_CONFLICT, conflict.message()));
      stalled(Conditions.REASON_SECRET_CONFLICT, CONFLICT_MESSAGE, rows);
    } else if (issuance instanceof TokenIssuance.Waiting waiting) {
      rows.add(waitingReady(waiting));
      reconciling(Conditions.REASON_ISSUING, WAITING_MESSAGE, rows);
    } else if (issuance instanceof TokenIssuance.Current current) {
      rows.add(
          new Row(
              Conditions.READY,
              TRUE,
              Conditions.REASON_ISSUED,
              "token "
                  + current.claims().jti()
                  + " is valid until "
                  + current.claims().expiresAt()
                  + "; it is renewed at "
                  + current.renewalTime()));
      previousTokens(previous.cutOff()).ifPresent(rows::add);
      if (previous.recording()) {
        reconciling(Conditions.REASON_REVOKING, REVOKING_PREVIOUS_MESSAGE, rows);
      } else {
        settled(rows);
      }
    }
  }

  private static Row waitingReady(TokenIssuance.Waiting waiting) {
    if (waiting instanceof TokenIssuance.SigningKeyGone gone) {
      return new Row(Conditions.READY, FALSE, Conditions.REASON_SIGNING_KEY_GONE, gone.message());
    }
    if (waiting instanceof TokenIssuance.SigningKeyNotPublished notPublished) {
      return new Row(
          Conditions.READY,
          FALSE,
          Conditions.REASON_SIGNING_KEY_NOT_PUBLISHED,
          notPublished.message());
    }
    TokenIssuance.Throttled throttled = (TokenIssuance.Throttled) waiting;
    return new Row(
        Conditions.READY, FALSE, Conditions.REASON_ISSUANCE_THROTTLED, throttled.message());
  }

  /** PreviousTokensRevoked for spec.revokeIssuedBefore; empty: leave it as it is. */
  private static java.util.Optional<Row> previousTokens(PreviousTokens.CutOff cutOff) {
    String type = Conditions.PREVIOUS_TOKENS_REVOKED;
    String before = cutOff.before();
    Row row =
        switch (cutOff.stage()) {
          case NOT_ASKED -> Row.removed(type);
          case UNCHANGED -> null;
          case NOT_YET ->
              new Row(
                  type,
                  FALSE,
                  Conditions.REASON_SCHEDULED,
                  "tokens issued before " + before + " are revoked from then on");
          case IN_GRACE ->
              new Row(
                  type,
                  FALSE,
                  Conditions.REASON_SCHEDULED,
                  cutOff.tokens()
                      + " token(s) issued before "
                      + before
                      + " are revoked at "
                      + cutOff.due().truncatedTo(ChronoUnit.SECONDS)
                      + ", after the grace period; the fresh token is in the Secret");
          case RECORDING ->
              new Row(
                  type,
                  FALSE,
                  Conditions.REASON_RECORDING,
                  cutOff.tokens()
                      + " token(s) issued before "
                      + before
                      + " are being revoked, retrying");
          case REVOKED ->
              new Row(
                  type,
                  TRUE,
                  Conditions.REASON_REVOKED,
                  cutOff.tokens()
                      + " token(s) issued before "
                      + before
                      + " revoked; the Secret holds token "
                      + cutOff.currentJti());
        };
    return java.util.Optional.ofNullable(row);
  }

  /** kstatus: the operator is working on this ApiToken (issuing, revoking, publishing). */
  private static void reconciling(String reason, String message, List<Row> rows) {
    rows.add(new Row(Conditions.RECONCILING, TRUE, reason, message));
    rows.add(new Row(Conditions.STALLED, FALSE, reason, message));
  }

  /** kstatus: the operator cannot progress until a person changes something. */
  private static void stalled(String reason, String message, List<Row> rows) {
    rows.add(new Row(Conditions.STALLED, TRUE, reason, message));
    rows.add(new Row(Conditions.RECONCILING, FALSE, reason, message));
  }

  /** kstatus: nothing left to do until the next renewal or request. */
  private static void settled(List<Row> rows) {
    rows.add(new Row(Conditions.RECONCILING, FALSE, Conditions.REASON_SETTLED, SETTLED_MESSAGE));
    rows.add(new Row(Conditions.STALLED, FALSE, Conditions.REASON_SETTLED, SETTLED_MESSAGE));
  }
}
