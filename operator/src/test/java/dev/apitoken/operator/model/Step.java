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
    TENANT_COPY,
    /**
     * A tenant writes into a copy (in a target namespace or one the operator never targets) one of
     * our own older signed copies, taken from an earlier version the operator wrote.
     */
    TENANT_REPLAY,
    /**
     * A tenant sets on a copy the annotations the operator once read back: a reservation at the end
     * of the index space and the active signing key revoked.
     */
    TENANT_ANNOTATIONS,
    /** The Lease moves to a new replica whose clock runs minutes fast or slow. */
    SKEWED_FAILOVER,
    /**
     * A restore from an earlier snapshot: the operator namespace while running (0) or stopped (1),
     * or every namespace, copies included, while running (2: a whole-cluster restore).
     */
    RESTORE
  }

  static final int TOKEN_SLOTS = 5;
  static final String[] TARGETS = {"team-a", "team-b", "team-c"};

  /** Where a tenant writes: the target namespaces, and one the operator never targets. */
  static final String[] TENANT_NAMESPACES = {"team-a", "team-b", "team-c", "tenant-x"};

  static final String[] RESTORES = {"operator-namespace", "operator-namespace-stopped", "cluster"};

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
      case TENANT_COPY, TENANT_ANNOTATIONS -> kind + "(" + TENANT_NAMESPACES[a] + ")";
      case TENANT_REPLAY -> kind + "(" + TENANT_NAMESPACES[a] + ", " + b + " back)";
      case SKEWED_FAILOVER -> kind + "(" + (a >= 0 ? "+" : "") + a + "m)";
      case RESTORE -> kind + "(" + RESTORES[a] + ", " + b + " back)";
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
            case SELECT, DESELECT, DELETE_NAMESPACE ->
                new Step(kind, random.nextInt(TARGETS.length), 0);
            case TENANT_COPY, TENANT_ANNOTATIONS, TENANT_REPLAY ->
                new Step(kind, random.nextInt(TENANT_NAMESPACES.length), random.nextInt(8));
            case SKEWED_FAILOVER -> new Step(kind, random.nextInt(21) - 10, 0);
            case RESTORE -> new Step(kind, random.nextInt(RESTORES.length), 1 + random.nextInt(8));
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
