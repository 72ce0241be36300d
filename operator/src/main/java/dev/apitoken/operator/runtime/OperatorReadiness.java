package dev.apitoken.operator.runtime;

import io.javaoperatorsdk.operator.Operator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Probe answers for the operator process through its life: starting, running, stopping.
 *
 * <p>Ready means "this process is healthy and, if it leads, its controllers run". A standby replica
 * is ready too: JOSDK syncs its informers before leadership, and a rollout of two replicas would
 * stall if the standby never became ready. But no replica is ready while leader election is stuck:
 * a Lease nobody holds for long, or cannot be read, means nothing is being reconciled.
 *
 * <p>Liveness only says the process answers. Nothing the operator waits for (the API server, the
 * Lease) is a reason to restart it, and a readiness check stuck behind a lock must not turn into a
 * restart loop.
 */
public final class OperatorReadiness implements Readiness {
  private enum Phase {
    STARTING,
    RUNNING,
    STOPPING
  }

  private final OperatorStatus status;
  private volatile Phase phase = Phase.STARTING;

  public OperatorReadiness(OperatorStatus status) {
    this.status = Objects.requireNonNull(status, "status");
  }

  /** Start-up finished: the key ring is loaded and {@code Operator.start()} has returned. */
  public void markStarted() {
    if (phase == Phase.STARTING) {
      phase = Phase.RUNNING;
    }
  }

  /** Shutdown began: from now on readiness fails, liveness still passes. */
  public void markStopping() {
    phase = Phase.STOPPING;
  }

  @Override
  public Check liveness() {
    return Check.ok("alive: " + phase.name().toLowerCase(Locale.ROOT));
  }

  @Override
  public Check readiness() {
    switch (phase) {
      case STARTING:
        return Check.failing("starting: loading the key ring and syncing informers");
      case STOPPING:
        return Check.failing("shutting down");
      default:
        break;
    }
    if (!status.keyRingLoaded()) {
      return Check.failing("key ring not loaded");
    }
    Operator operator = status.operator();
    if (operator == null) {
      return Check.failing("operator not built");
    }
    List<String> unhealthy = JosdkHealth.unhealthyInformers(operator);
    if (!unhealthy.isEmpty()) {
      return Check.failing("informers not synced or not watching: " + String.join(", ", unhealthy));
    }
    Optional<String> leaseProblem = status.leaseProblem();
    if (leaseProblem.isPresent()) {
      return Check.failing(leaseProblem.get());
    }
    if (!status.leading()) {
      return Check.ok("ready: standby, waiting for the leader Lease");
    }
    if (!JosdkHealth.eventProcessingRunning(operator)) {
      return Check.failing("leader, controllers not started yet");
    }
    return Check.ok(
        status
            .attention()
            .map(a -> "ready: leader, reconciling; attention: " + a)
            .orElse("ready: leader, reconciling"));
  }
}
