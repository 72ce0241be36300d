package dev.apitoken.operator.runtime;

import io.javaoperatorsdk.operator.Operator;
import java.util.function.Supplier;

/**
 * What readiness needs to know about the running operator. Every method answers from memory and
 * returns quickly: it is called on each readiness probe.
 */
public interface OperatorStatus {

  /** The signing key ring has been read (or created) and has an active key. */
  boolean keyRingLoaded();

  /** This replica holds the leader Lease, or leader election is off. */
  boolean leading();

  /** The JOSDK operator, or {@code null} before it is built. */
  Operator operator();

  /**
   * A status for an operator that does not report its key ring or leadership itself. Both are
   * inferred: the key ring is loaded once start-up has finished (start-up loads it before starting
   * controllers), and this replica leads exactly when JOSDK dispatches events.
   */
  static OperatorStatus inferred(Supplier<Operator> operator) {
    return new OperatorStatus() {
      @Override
      public boolean keyRingLoaded() {
        return true;
      }

      @Override
      public boolean leading() {
        Operator josdk = operator.get();
        return josdk != null && JosdkHealth.eventProcessingRunning(josdk);
      }

      @Override
      public Operator operator() {
        return operator.get();
      }
    };
  }
}
