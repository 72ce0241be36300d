package dev.apitoken.operator.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One step of a whole-operator model sequence ({@link WholeOperatorModelTest}): plain data, so a
 * failing sequence prints as a list that replays from its seed.
 */
record OperatorStep(OperatorStep.Kind kind, int a, int b) {
  enum Kind {
    CREATE,
    CHANGE_SUBJECT,
    REVOKE,
    DELETE,
    STOP,
    START,
    RESTART,
    /** Stop, delete two kinds of state (as a lost namespace or a bad restore would), start. */
    RESTART_AFTER_LOSS,
    /** Stop the operator, strip the ApiToken's finalizer and delete it. */
    STRIP_FINALIZER,
    /** Delete operator state: while stopped all of a kind, while running one object. */
    DAMAGE_DELETE,
    /** Re-put an older captured version of one object over the current one. */
    DAMAGE_ROLLBACK,
    SELECTOR_JOIN,
    SELECTOR_LEAVE,
    /** ConfigMap writes of the operator answered with 500 or 422 for a while, then healed. */
    API_FAULT
  }

  static final int TOKEN_SLOTS = 4;

  /** Namespaces under the target selector at the start: team-a, team-b; team-c may join. */
  static final String[] TEAMS = {"team-a", "team-b", "team-c"};

  /** What {@link Kind#DAMAGE_DELETE} and {@link Kind#DAMAGE_ROLLBACK} hit. */
  enum Target {
    LEDGER,
    RECORDS,
    STATE,
    ONE_COPY,
    ALL_COPIES,
    /** Every ConfigMap of the operator's namespace: ledger, records, index counter, its copy. */
    OPERATOR_NAMESPACE
  }

  @Override
  public String toString() {
    return switch (kind) {
      case CREATE, CHANGE_SUBJECT, REVOKE, DELETE, STRIP_FINALIZER -> kind + "(t" + a + ")";
      case DAMAGE_DELETE, DAMAGE_ROLLBACK -> kind + "(" + Target.values()[a] + "#" + b + ")";
      case RESTART_AFTER_LOSS -> kind + "(" + Target.values()[a] + ", " + Target.values()[b] + ")";
      case SELECTOR_JOIN, SELECTOR_LEAVE -> kind + "(" + TEAMS[a] + ")";
      case API_FAULT -> "API_FAULT(" + (a == 0 ? 500 : 422) + ", " + b + " ms)";
      default -> kind.toString();
    };
  }

  /** A random sequence of 10 to 20 steps. */
  static List<OperatorStep> generate(Random random) {
    int length = 10 + random.nextInt(11);
    List<OperatorStep> steps = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      Kind kind = pick(random);
      steps.add(
          switch (kind) {
            case DAMAGE_DELETE ->
                new OperatorStep(kind, random.nextInt(Target.values().length), random.nextInt(8));
            case DAMAGE_ROLLBACK ->
                // Rollbacks hit the objects that have versions worth restoring: ledger shards,
                // issue-record shards and copies.
                new OperatorStep(kind, List.of(0, 1, 3).get(random.nextInt(3)), random.nextInt(8));
            case RESTART_AFTER_LOSS ->
                new OperatorStep(
                    kind,
                    random.nextInt(Target.values().length),
                    random.nextInt(Target.values().length));
            case SELECTOR_JOIN, SELECTOR_LEAVE -> new OperatorStep(kind, random.nextInt(3), 0);
            case API_FAULT -> new OperatorStep(kind, random.nextInt(2), 300 + random.nextInt(1200));
            default -> new OperatorStep(kind, random.nextInt(TOKEN_SLOTS), 0);
          });
    }
    return steps;
  }

  private static Kind pick(Random random) {
    int total = 0;
    for (Kind k : Kind.values()) {
      total += weight(k);
    }
    int r = random.nextInt(total);
    for (Kind k : Kind.values()) {
      r -= weight(k);
      if (r < 0) {
        return k;
      }
    }
    throw new IllegalStateException();
  }

  /** Token life-cycle steps are the bulk of a sequence; the rest disturb it. */
  private static int weight(Kind kind) {
    return switch (kind) {
      case CREATE -> 7;
      case CHANGE_SUBJECT, REVOKE, DELETE, DAMAGE_DELETE, API_FAULT -> 3;
      case RESTART_AFTER_LOSS -> 3;
      case SELECTOR_JOIN, SELECTOR_LEAVE -> 1;
      default -> 2;
    };
  }
}
