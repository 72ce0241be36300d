package dev.apitoken.operator.runtime;

import dev.apitoken.operator.kubernetes.Failures;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Whether leader election works, as readiness needs to know it: every few seconds the leader Lease
 * is read, and it is healthy when this replica leads or some replica holds it unexpired. A Lease
 * that stays unheld, expired or unreadable for longer than {@link #GRACE} means no replica can take
 * it (the RBAC lacks a verb the elector uses, say): nothing is reconciled, so readiness fails. The
 * grace covers a normal fail-over (lease duration 15 s, then a retry within ~2 s).
 */
public final class LeaseWatch implements AutoCloseable {
  public static final Duration PERIOD = Duration.ofSeconds(5);
  public static final Duration GRACE = Duration.ofSeconds(20);

  private final Supplier<Lease> read;
  private final BooleanSupplier leading;
  private final Clock wallClock;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("lease-watch"));
  private volatile Instant lastHealthy;
  private volatile String problem;

  public LeaseWatch(Supplier<Lease> read, BooleanSupplier leading, Clock wallClock) {
    this.read = read;
    this.leading = leading;
    this.wallClock = wallClock;
    this.lastHealthy = wallClock.instant();
  }

  public LeaseWatch start() {
    executor.scheduleWithFixedDelay(this::check, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Reads the Lease once and records what it shows. */
  void check() {
    Instant now = wallClock.instant();
    String found;
    try {
      found = leading.getAsBoolean() ? null : problemWith(read.get(), now);
    } catch (RuntimeException e) {
      found = "cannot read the leader Lease: " + Failures.brief(e);
    }
    if (found == null) {
      lastHealthy = now;
    }
    problem = found;
  }

  /** Why leader election looks stuck, when it has for longer than the grace; from memory. */
  public Optional<String> problem() {
    String current = problem;
    Duration stuck = Duration.between(lastHealthy, wallClock.instant());
    if (current == null || stuck.compareTo(GRACE) <= 0) {
      return Optional.empty();
    }
    return Optional.of(
        current
            + " for "
            + stuck.toSeconds()
            + " s; this replica cannot take or renew it (check the lease RBAC)");
  }

  static String problemWith(Lease lease, Instant now) {
    if (lease == null || lease.getSpec() == null) {
      return "no leader Lease";
    }
    LeaseSpec spec = lease.getSpec();
    if (spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty()) {
      return "the leader Lease is not held";
    }
    if (spec.getRenewTime() != null && spec.getLeaseDurationSeconds() != null) {
      Instant expires = spec.getRenewTime().toInstant().plusSeconds(spec.getLeaseDurationSeconds());
      if (!expires.isAfter(now)) {
        return "the leader Lease expired at " + expires;
      }
    }
    return null;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
