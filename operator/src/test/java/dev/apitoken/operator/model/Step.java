package dev.apitoken.operator.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** One step of a model sequence: plain data, so a failing sequence can be replayed and shrunk. */
record Step(Step.Kind kind, int a, int b) {
  enum Kind {
    CREATE,
    CHANGE_SUBJECT,
    ADVANCE_MINUTES,
    REVOKE,
    REVOKE_AT,
    DELETE,
    STRIP_FINALIZER,
    TAMPER_SECRET,
    DELETE_SECRET,
    LOSE_STATUS,
    STATUS_OUTAGE,
    ADMIN_DELETE,
    ADMIN_ROLLBACK,
    ADMIN_EDIT,
    STOP,
    START,
    RESTART,
    CRASH_AT_CALL,
    FAILOVER,
    SELECT,
    DESELECT,
    DELETE_NAMESPACE,
    FAULTS,
    FAULTS_OFF,
    MAINTAIN,
    /**
     * A tenant with edit rights in a target namespace (selected or not) writes the trust copy
     * there: every status bit set, a list signed by its own key claiming a huge version and
     * reservation, and the annotations the operator once read back.
     */
    TENANT_COPY
  }

  static final int TOKEN_SLOTS = 5;
  static final String[] TARGETS = {"team-a", "team-b", "team-c"};

  /** Kinds of operator-owned object an admin action picks from. */
  static final String[] OBJECTS = {"ledger", "records", "state", "copy"};

  @Override
  public String toString() {
    return switch (kind) {
      case CREATE,
          CHANGE_SUBJECT,
          REVOKE,
          DELETE,
          STRIP_FINALIZER,
          TAMPER_SECRET,
          DELETE_SECRET,
          LOSE_STATUS ->
          kind + "(t" + a + ")";
      case REVOKE_AT -> kind + "(t" + a + ", +" + b + "m)";
      case ADVANCE_MINUTES -> "ADVANCE(" + a + "m)";
      case ADMIN_DELETE, ADMIN_ROLLBACK, ADMIN_EDIT -> kind + "(" + OBJECTS[a] + "#" + b + ")";
      case TENANT_COPY -> kind + "(" + TARGETS[a] + ")";
      case SELECT, DESELECT, DELETE_NAMESPACE -> kind + "(" + TARGETS[a] + ")";
      case FAULTS -> "FAULTS(" + InMemoryConfigMaps.Fault.values()[a] + ", " + b + "%)";
      case CRASH_AT_CALL -> "CRASH_AT_CALL(" + a + ")";
      case STATUS_OUTAGE -> "STATUS_OUTAGE(" + (a == 1 ? "on" : "off") + ")";
      default -> kind.toString();
    };
  }

  /** A random sequence of 20 to 40 steps; {@code kinds} limits what it may contain. */
  static List<Step> generate(Random random, List<Kind> kinds) {
    int length = 20 + random.nextInt(21);
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      Kind kind = pick(random, kinds);
      steps.add(
          switch (kind) {
            case ADVANCE_MINUTES -> new Step(kind, 1 + random.nextInt(50), 0);
            case REVOKE_AT -> new Step(kind, random.nextInt(TOKEN_SLOTS), random.nextInt(40));
            case ADMIN_DELETE, ADMIN_ROLLBACK, ADMIN_EDIT ->
                new Step(kind, random.nextInt(OBJECTS.length), random.nextInt(8));
            case SELECT, DESELECT, DELETE_NAMESPACE, TENANT_COPY ->
                new Step(kind, random.nextInt(TARGETS.length), 0);
            case FAULTS ->
                new Step(
                    kind,
                    random.nextInt(InMemoryConfigMaps.Fault.values().length),
                    5 + random.nextInt(40));
            case CRASH_AT_CALL -> new Step(kind, 1 + random.nextInt(12), 0);
            case STATUS_OUTAGE -> new Step(kind, random.nextInt(2), 0);
            default -> new Step(kind, random.nextInt(TOKEN_SLOTS), 0);
          });
    }
    return steps;
  }

  private static Kind pick(Random random, List<Kind> kinds) {
    // Token life-cycle steps are the bulk of a sequence; the rest disturb it.
    int total = kinds.stream().mapToInt(Step::weight).sum();
    int r = random.nextInt(total);
    for (Kind k : kinds) {
      r -= weight(k);
      if (r < 0) {
        return k;
      }
    }
    throw new IllegalStateException();
  }

  private static int weight(Kind kind) {
    return switch (kind) {
      case CREATE -> 8;
      case REVOKE, DELETE, ADVANCE_MINUTES -> 4;
      case CHANGE_SUBJECT, REVOKE_AT, STOP, START -> 3;
      default -> 2;
    };
  }
}
