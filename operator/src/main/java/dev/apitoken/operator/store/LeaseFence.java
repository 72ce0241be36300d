package dev.apitoken.operator.store;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * A write is allowed only while this replica's elector says it leads and the Lease, read fresh from
 * the API, still names this replica with an unexpired renewal. One GET per write batch: writes of
 * operator state are batched, so this costs little.
 */
public final class LeaseFence implements Fence {
  private final KubernetesClient client;
  private final String namespace;
  private final String leaseName;
  private final String identity;
  private final BooleanSupplier leading;
  private final Clock wallClock;

  public LeaseFence(
      KubernetesClient client,
      String namespace,
      String leaseName,
      String identity,
      BooleanSupplier leading,
      Clock wallClock) {
    this.client = client;
    this.namespace = namespace;
    this.leaseName = leaseName;
    this.identity = identity;
    this.leading = leading;
    this.wallClock = wallClock;
  }

  @Override
  public boolean mayWrite() {
    if (!leading.getAsBoolean()) {
      return false;
    }
    try {
      Lease lease = client.leases().inNamespace(namespace).withName(leaseName).get();
      if (lease == null || lease.getSpec() == null) {
        return false;
      }
      var spec = lease.getSpec();
      if (!identity.equals(spec.getHolderIdentity())) {
        return false;
      }
      if (spec.getRenewTime() == null || spec.getLeaseDurationSeconds() == null) {
        return true;
      }
      Instant expires =
          spec.getRenewTime().toInstant().plus(Duration.ofSeconds(spec.getLeaseDurationSeconds()));
      return expires.isAfter(wallClock.instant());
    } catch (RuntimeException unreadable) {
      return false;
    }
  }
}
