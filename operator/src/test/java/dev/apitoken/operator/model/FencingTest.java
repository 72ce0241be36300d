package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.RevocationPath;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.LeaseFence;
import dev.apitoken.operator.store.Scheduling;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.token.IndexAllocator;
import dev.apitoken.operator.token.KeyRing;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas share the revocation state; the Lease moves from A to B. A still believes it leads
 * (its elector has not noticed yet), but its stores and publisher read the Lease before each write
 * batch and write nothing more, while B carries on. Writes are counted per replica by the API.
 */
@EnableKubernetesMockClient(crud = true)
class FencingTest {
  private static final String LEASE = "apitoken-operator-leader";
  private static final KeyRing RING = KeyRing.create(Instant.now(), new SecureRandom());
  static KubernetesClient client;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final InMemoryConfigMaps cluster = new InMemoryConfigMaps(clock, ModelRun.NAMESPACE);
  private final ModelNamespaces namespaces = new ModelNamespaces();

  @AfterEach
  void close() {
    cluster.close();
  }

  @Test
  void aReplicaThatLostTheLeaseWritesNothingMoreWhileTheNewLeaderCarriesOn() throws Exception {
    holdLease("replica-a");
    RevocationPath a = replica("replica-a");
    IndexAllocator aIndices = new IndexAllocator(a.indexStore(), 1024);
    long first = aIndices.next();
    a.revocations().record(List.of(token(first, "uid-1"))).get(10, TimeUnit.SECONDS);
    await().atMost(10, TimeUnit.SECONDS).until(() -> revokedInCopy(first));
    long aWritesWhileLeading = cluster.client("replica-a").writes();
    assertThat(aWritesWhileLeading).isPositive();

    holdLease("replica-b");
    RevocationPath b = replica("replica-b");
    try {
      // A, unaware, keeps working: revokes, publishes, reserves indices, maintains.
      var aLate = a.revocations().record(List.of(token(first + 1, "uid-2")));
      a.trust().requestPublish();
      a.maintain();
      assertThatThrownBy(() -> new IndexAllocator(a.indexStore(), 1024).next())
          .hasMessageContaining("not the leader");

      long second = new IndexAllocator(b.indexStore(), 1024).next();
      assertThat(second).isGreaterThanOrEqualTo(1024);
      b.revocations().record(List.of(token(second, "uid-3"))).get(10, TimeUnit.SECONDS);
      await().atMost(10, TimeUnit.SECONDS).until(() -> revokedInCopy(second));

      await()
          .during(Duration.ofMillis(1500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> cluster.client("replica-a").writes() == aWritesWhileLeading);
      assertThat(aLate).isNotDone();
      assertThat(cluster.client("replica-b").writes()).isPositive();
      assertThat(revokedInCopy(first)).isTrue();
    } finally {
      a.close();
      b.close();
    }
  }

  private RevocationPath replica(String id) {
    LeaseFence fence =
        new LeaseFence(client, ModelRun.NAMESPACE, LEASE, id, () -> true, Clock.systemUTC());
    RevocationPath path =
        new RevocationPath(
            cluster.client(id),
            namespaces.source(),
            fence,
            clock,
            ModelRun.settings(),
            new OperatorMetrics(new SimpleMeterRegistry(), clock),
            Set::of,
            Scheduling.THREADS);
    path.startIndexStore();
    path.startLeading(() -> path.trust().publishKeys(RING));
    return path;
  }

  private void holdLease(String holder) {
    ZonedDateTime now = ZonedDateTime.now();
    client
        .leases()
        .inNamespace(ModelRun.NAMESPACE)
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName(LEASE)
                .withNamespace(ModelRun.NAMESPACE)
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(holder)
                .withLeaseDurationSeconds(60)
                .withAcquireTime(now)
                .withRenewTime(now)
                .endSpec()
                .build())
        .createOr(existing -> existing.update());
  }

  private IssueRecord token(long index, String uid) {
    return new IssueRecord(
        index, clock.instant().plusSeconds(3600), uid, "apps", "t-" + uid, null, false);
  }

  private boolean revokedInCopy(long index) {
    var map = cluster.get(ModelRun.NAMESPACE, ModelRun.TRUST);
    if (map == null || map.getData() == null) {
      return false;
    }
    var list =
        StatusListDocument.parse(map.getData().get(TrustDocument.statusListKey(0))).statusList();
    return index < list.size() && list.get(index) == 1;
  }
}
