package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.RevocationStore;
import dev.apitoken.operator.store.StateEntries;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.StatusListTokenSigner;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The publish loop alone, on the deterministic scheduler and an in-memory API: rounds coalesce, an
 * unchanged round writes nothing, a failed round is retried a second later, a refusing namespace
 * holds up no other, without the Lease nothing is written and a reservation wait hears why, an
 * edited copy is put back, and a Status List Token is re-signed on its heartbeat.
 */
class TrustPublisherLoopTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final KeyRing RING =
      KeyRing.create(Instant.parse("2025-12-01T00:00:00Z"), ModelRun.seededRandom(20));
  private static final Duration MAX_TTL = Duration.ofHours(2);
  private static final String TRUST = "trust";

  private final MutableClock clock = new MutableClock(NOW);
  private final DeterministicScheduler scheduler = new DeterministicScheduler(clock, new Random(3));
  private final InMemoryConfigMaps cluster =
      new InMemoryConfigMaps(clock, scheduler, "ops", "team-a", "team-b");
  private final ModelNamespaces namespaces = new ModelNamespaces();
  private final AtomicBoolean leading = new AtomicBoolean(true);
  private final AtomicInteger rounds = new AtomicInteger();
  private final InMemoryConfigMaps.Client client = cluster.client("operator");
  private final OperatorMetrics metrics = new OperatorMetrics(new SimpleMeterRegistry(), clock);
  private TrustPublisher publisher;
  private final RevocationStore store =
      new RevocationStore(
          client,
          "ops",
          TRUST + "-issued",
          clock,
          MAX_TTL,
          leading::get,
          metrics,
          () -> publisher.requestPublish(),
          scheduler);

  @BeforeEach
  void start() {
    cluster.timeoutMillis(0);
    publisher =
        new TrustPublisher(
            client,
            TRUST,
            "ops",
            namespaces.source(),
            "https://issuer.example/status",
            store,
            () -> 4096,
            new StateEntries(client, "ops", TRUST + "-state", leading::get),
            MAX_TTL,
            clock,
            leading::get,
            metrics,
            new StatusListTokenSigner(Duration.ofHours(1), Duration.ofSeconds(30), clock),
            scheduler);
    publisher.onPublished(rounds::incrementAndGet);
    store.start();
    publisher.publishKeys(RING);
    publisher.start();
    assertThat(scheduler.runUntil(() -> rounds.get() > 0, Duration.ofSeconds(1))).isTrue();
    scheduler.runFor(Duration.ofSeconds(1)); // the watch hears of the first writes
  }

  @AfterEach
  void close() {
    publisher.close();
    store.close();
    cluster.close();
  }

  @Test
  void manyRequestsMakeOneRoundAndAnUnchangedRoundWritesNothing() {
    long writes = publisher.configMapWrites();
    int before = rounds.get();
    for (int i = 0; i < 10; i++) {
      publisher.requestPublish();
    }
    scheduler.runFor(Duration.ofMillis(500));

    assertThat(rounds.get()).isEqualTo(before + 1);
    assertThat(publisher.configMapWrites()).isEqualTo(writes);
  }

  @Test
  void aSelectedNamespaceGetsItsCopyAndARevocationReachesEveryCopy() {
    namespaces.select("team-a");
    scheduler.runFor(Duration.ofMillis(500));
    assertThat(cluster.get("team-a", TRUST)).isNotNull();

    store.revoke(List.of(record(7)));
    assertThat(scheduler.runUntil(() -> publisher.isPublished(List.of(7L)), Duration.ofSeconds(1)))
        .isTrue();
    assertThat(publisher.targetNamespaces()).containsExactly("ops", "team-a");
    assertThat(statusList("team-a")).isEqualTo(statusList("ops"));
  }

  @Test
  void aFailedRoundIsRetriedASecondLater() {
    AtomicInteger attempts = new AtomicInteger();
    cluster.faults(
        call -> {
          if (call.isWrite() && "team-a".equals(call.namespace())) {
            attempts.incrementAndGet();
            return InMemoryConfigMaps.Fault.SERVER_ERROR;
          }
          return null;
        });
    namespaces.select("team-a");
    scheduler.runFor(Duration.ofMillis(3500));

    assertThat(attempts.get()).isBetween(3, 5);
    assertThat(cluster.get("team-a", TRUST)).isNull();

    cluster.faults(InMemoryConfigMaps.Faults.NONE);
    assertThat(
            scheduler.runUntil(() -> cluster.get("team-a", TRUST) != null, Duration.ofMillis(1100)))
        .isTrue();
  }

  @Test
  void aCopyThatFailedToBeWrittenDoesNotCountAsPublished() {
    namespaces.select("team-a");
    scheduler.runFor(Duration.ofMillis(500));
    cluster.faults(
        call ->
            call.isWrite() && "team-a".equals(call.namespace())
                ? InMemoryConfigMaps.Fault.SERVER_ERROR
                : null);
    store.revoke(List.of(record(7)));
    scheduler.runFor(Duration.ofSeconds(3));

    assertThat(statusList("team-a")).isNotEqualTo(statusList("ops"));
    assertThat(publisher.isPublished(List.of(7L))).isFalse();
    assertThat(publisher.isPublishedWhereWritable(List.of(7L))).isFalse();
  }

  @Test
  void aNamespaceThatRefusesItsCopyHoldsUpNoOther() {
    cluster.faults(
        call ->
            call.isWrite() && "team-a".equals(call.namespace())
                ? InMemoryConfigMaps.Fault.TOO_LARGE
                : null);
    namespaces.select("team-a");
    namespaces.select("team-b");
    store.revoke(List.of(record(7)));
    scheduler.runFor(Duration.ofSeconds(2));

    assertThat(publisher.isPublishedWhereWritable(List.of(7L))).isTrue();
    assertThat(publisher.isPublished(List.of(7L))).isFalse();
    assertThat(publisher.refusingNamespaces()).containsOnlyKeys("team-a");
    assertThat(cluster.get("team-b", TRUST)).isNotNull();

    cluster.faults(InMemoryConfigMaps.Faults.NONE);
    assertThat(scheduler.runUntil(() -> publisher.isPublished(List.of(7L)), Duration.ofSeconds(2)))
        .isTrue();
    assertThat(publisher.refusingNamespaces()).isEmpty();
  }

  @Test
  void withoutTheLeaseNothingIsWrittenAndAReservationWaitFailsAtOnce() {
    leading.set(false);
    long writes = publisher.configMapWrites();

    assertThatThrownBy(() -> publisher.awaitReservationPublished(1 << 20, Duration.ofSeconds(10)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("could not be announced");
    assertThat(publisher.configMapWrites()).isEqualTo(writes);

    leading.set(true);
    publisher.awaitReservationPublished(4096, Duration.ofSeconds(10));
  }

  @Test
  void aCopyATenantEditsIsPutBack() {
    Map<String, String> published = cluster.get("ops", TRUST).getData();
    cluster.adminEdit("ops", TRUST, data -> Map.of("status-list.json", "{}"));
    scheduler.runFor(Duration.ofMillis(500));

    assertThat(cluster.get("ops", TRUST).getData()).isEqualTo(published);
  }

  @Test
  void theStatusListTokenIsResignedOnItsHeartbeatAndNotBefore() {
    String signed = jwt();
    scheduler.runFor(Duration.ofMinutes(5));
    assertThat(jwt()).isEqualTo(signed);

    scheduler.runFor(Duration.ofMinutes(30));
    assertThat(jwt()).isNotEqualTo(signed);
  }

  private String jwt() {
    return cluster.get("ops", TRUST).getData().get("status-list.jwt");
  }

  private String statusList(String namespace) {
    ConfigMap copy = cluster.get(namespace, TRUST);
    return copy.getData().get("status-list.json");
  }

  private static IssueRecord record(long index) {
    return new IssueRecord(
        index, NOW.plusSeconds(3600), "uid-" + index, "apps", "t" + index, "jti-" + index, false);
  }
}
