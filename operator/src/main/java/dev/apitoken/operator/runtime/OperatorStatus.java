package dev.apitoken.operator.runtime;

import io.javaoperatorsdk.operator.Operator;
import java.util.Optional;

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
   * Something an administrator must look at although the replica works (the operator state was
   * found rolled back), for the readiness message; empty when nothing.
   */
  default Optional<String> attention() {
    return java.util.Optional.empty();
  }

  /** Why no replica can hold the leader Lease (see {@link LeaseWatch}); empty when one can. */
  default Optional<String> leaseProblem() {
    return Optional.empty();
  }
}
