package dev.apitoken.operator.model;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.RevocationPath;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.store.Scheduling;
import dev.apitoken.operator.testing.DelegatingConfigMaps;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.token.IndexAllocator;
import dev.apitoken.operator.token.KeyRing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Violations the model test found, each replayed as a plain test of the production wiring. */
class RevocationPathRegressionTest {
  private static final KeyRing RING = KeyRing.create(Instant.now(), new SecureRandom());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final InMemoryConfigMaps cluster =
      new InMemoryConfigMaps(clock, ModelRun.NAMESPACE, "team-a");
  private final ModelNamespaces namespaces = new ModelNamespaces();

  @AfterEach
  void close() {
    cluster.close();
  }

  private RevocationPath start(String replica) {
    return start(replica, () -> true);
  }

  private RevocationPath start(String replica, java.util.function.BooleanSupplier holdsLease) {
    var client = cluster.client(replica);
    return start(client, () -> client.alive() && holdsLease.getAsBoolean());
  }

  /** A leading replica's revocation path over {@code api} (a client, or a test's wrapper). */
  private RevocationPath start(ConfigMapApi api, dev.apitoken.operator.store.Fence fence) {
    RevocationPath path =
        new RevocationPath(
            api,
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

  /**
   * Found by the model (shrunk: CREATE, STOP, delete index state, delete issue records): the copies
   * announce reserved indices only after the block is in use, so with the counter and the records
   * lost while stopped, the next start handed out index 0 again.
   */
  @Test
  void aBlockReservedBeforeTheCopiesAnnounceItIsNotReusedWhenCounterAndRecordsAreLost()
      throws Exception {
    namespaces.select("team-a");
    RevocationPath first = start("replica-1");
    await().atMost(30, TimeUnit.SECONDS).until(() -> cluster.get("team-a", ModelRun.TRUST) != null);
    // Copies cannot be updated for now: a reservation cannot be announced in them.
    cluster.faults(
        call ->
            call.name() != null && call.name().equals(ModelRun.TRUST)
                ? InMemoryConfigMaps.Fault.SERVER_ERROR
                : null);
    IndexAllocator allocator = new IndexAllocator(first.indexStore(), 1024);
    // A block that cannot be announced in the copies is never used.
    assertThatThrownBy(allocator::next)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("could not be announced");
    cluster.faults(InMemoryConfigMaps.Faults.NONE);
    long issued = allocator.next();
    first
        .revocations()
        .recordIssued(
            new IssueRecord(
                issued, clock.instant().plusSeconds(3600), "uid-1", "apps", "t1", null, false))
        .get(30, TimeUnit.SECONDS);
    cluster.client("replica-1").kill();
    first.close();

    cluster.adminDelete(ModelRun.NAMESPACE, ModelRun.TRUST + "-state");
    cluster.adminDelete(ModelRun.NAMESPACE, ModelRun.TRUST + "-issued-0");

    RevocationPath second = start("replica-2");
    try {
      assertThat(new IndexAllocator(second.indexStore(), 1024).next()).isNotEqualTo(issued);
    } finally {
      second.close();
    }
  }

  /**
   * Found by the model (shrunk: fail-over, create, delete the index state, fail-over): the new
   * leader published the list as long as its own (lost) counter said, shorter than before, so the
   * copies no longer covered tokens handed out beyond it.
   */
  @Test
  void aNewLeaderNeverPublishesAShorterListThanTheTokensHandedOut() throws Exception {
    RevocationPath first = start("replica-1");
    await().atMost(30, TimeUnit.SECONDS).until(() -> coverage() > 0);
    cluster.adminDelete(ModelRun.NAMESPACE, ModelRun.TRUST + "-state");
    long issued = new IndexAllocator(first.indexStore(), 1024).next();
    first
        .revocations()
        .recordIssued(
            new IssueRecord(
                issued, clock.instant().plusSeconds(3600), "uid-1", "apps", "t1", null, false))
        .get(30, TimeUnit.SECONDS);
    await().atMost(30, TimeUnit.SECONDS).until(() -> coverage() > issued);
    cluster.client("replica-1").kill();
    first.close();
    cluster.adminDelete(ModelRun.NAMESPACE, ModelRun.TRUST + "-state");

    RevocationPath second = start("replica-2");
    try {
      second.trust().publishNow();
      assertThat(coverage()).isGreaterThan(issued);
    } finally {
      second.close();
    }
  }

  /**
   * Found by the model (500s injected): a conflict made the writer re-read the shard, and the
   * re-read failing with a 500 ended the writer thread, so no revocation was ever stored again.
   */
  @Test
  void aFailedReReadAfterAConflictDoesNotStopTheWriter() throws Exception {
    RevocationPath path = start("replica-1");
    try {
      java.util.concurrent.atomic.AtomicInteger storeCalls =
          new java.util.concurrent.atomic.AtomicInteger();
      cluster.faults(
          call -> {
            if (call.name() == null || !call.name().startsWith(ModelRun.TRUST + "-issued-")) {
              return null;
            }
            return switch (storeCalls.incrementAndGet()) {
              case 1 -> InMemoryConfigMaps.Fault.CONFLICT;
              case 2 -> InMemoryConfigMaps.Fault.SERVER_ERROR;
              default -> null;
            };
          });
      var revoked =
          path.revocations()
              .record(
                  java.util.List.of(
                      new IssueRecord(
                          5,
                          clock.instant().plusSeconds(3600),
                          "uid-1",
                          "apps",
                          "t1",
                          null,
                          false)));
      revoked.get(30, TimeUnit.SECONDS);
      assertThat(cluster.get(ModelRun.NAMESPACE, ModelRun.TRUST + "-issued-0")).isNotNull();
    } finally {
      path.close();
    }
  }

  /**
   * Found by the model (shrunk: fail-over, delete, 422 on the ledger, fail-over): the leader that
   * had just lost the Lease was in the middle of a round whose documents lacked a revocation the
   * new leader had stored and published since. Its write conflicted, it read the new copy, and kept
   * only the bits its ledger did not know of yet; the revocation had reached its ledger meanwhile,
   * so it wrote the copy without it: the bit went 1 -> 0.
   */
  @Test
  void aRoundInFlightNeverClearsABitPublishedMeanwhileByAnotherReplica() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean holdsLease =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicBoolean armed =
        new java.util.concurrent.atomic.AtomicBoolean(false);
    RevocationPath fencedOut = start("replica-1", holdsLease::get);
    await().atMost(30, TimeUnit.SECONDS).until(() -> coverage() > 0);
    RevocationPath[] leader = new RevocationPath[1];
    long revokedByLeader = 7;
    long revokedByFencedOut = 9;
    try {
      cluster.faults(
          call -> {
            if (call.client().equals("replica-1")
                && call.op().equals("update")
                && ModelRun.TRUST.equals(call.name())
                && ModelRun.NAMESPACE.equals(call.namespace())
                && armed.compareAndSet(true, false)) {
              // replica-1's round passed the fence and its write is on its way. Now the Lease
              // moves, unnoticed by replica-1 (a fence checked before each write would stop it
              // otherwise); the new leader stores and publishes a revocation before that write
              // lands, and replica-1's ledger learns of it.
              try {
                leader[0] = start("replica-2");
                leader[0].revocations().record(List.of(record(revokedByLeader))).get(30, SECONDS);
                await().atMost(30, SECONDS).until(() -> copyShows(revokedByLeader));
                await()
                    .atMost(30, SECONDS)
                    .until(() -> fencedOut.store().durable().isRevoked(revokedByLeader));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
            return null;
          });
      armed.set(true);
      // A revocation that replica-1's next round must write, so that the round updates the copy.
      fencedOut.revocations().record(List.of(record(revokedByFencedOut))).get(30, SECONDS);
      try {
        // Rounds run one at a time: when this one returns, the round that met the hook (this one
        // or one of replica-1's own before it) has ended.
        fencedOut.trust().publishNow();
      } catch (RuntimeException roundFailed) {
        // the hook fired in an earlier round, which has ended
      }
      assertThat(armed.get()).as("replica-1 wrote the copy while the hook was armed").isFalse();

      long firstShown = -1;
      for (var version : cluster.trustHistory()) {
        if (!version.namespace().equals(ModelRun.NAMESPACE)
            || !version.name().equals(ModelRun.TRUST)) {
          continue;
        }
        boolean shows = shows(version.data(), revokedByLeader);
        if (shows && firstShown < 0) {
          firstShown = version.resourceVersion();
        }
        assertThat(firstShown < 0 || shows)
            .as(
                "version %d by %s after %d",
                version.resourceVersion(), version.writer(), firstShown)
            .isTrue();
      }
      assertThat(firstShown).isPositive();
    } finally {
      cluster.faults(InMemoryConfigMaps.Faults.NONE);
      if (leader[0] != null) {
        leader[0].close();
      }
      fencedOut.close();
    }
  }

  /**
   * Found by the model under load (seed 12672: a namespace deleted, re-created and selected again
   * had no copy 30 s later): a fan-out thread's create returned, then the namespace was deleted and
   * the watch reported both the copy and its deletion before the thread cached its write. The
   * publisher then believed the copy was there, current, and never wrote it again.
   */
  @Test
  void aCopyDeletedBeforeItsWriterCachedItIsWrittenAgain() throws Exception {
    namespaces.select("team-a");
    java.util.concurrent.atomic.AtomicBoolean armed =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    var client = cluster.client("replica-1");
    ConfigMapApi deletedBeforeCached =
        new DelegatingConfigMaps(client) {
          @Override
          public io.fabric8.kubernetes.api.model.ConfigMap create(
              io.fabric8.kubernetes.api.model.ConfigMap map) {
            var created = super.create(map);
            if (map.getMetadata().getNamespace().equals("team-a")
                && map.getMetadata().getName().equals(ModelRun.TRUST)
                && armed.compareAndSet(true, false)) {
              namespaces.deselect("team-a");
              cluster.deleteNamespace("team-a");
              cluster.drainEvents(); // the watch has told of the copy and of its deletion
            }
            return created;
          }
        };
    RevocationPath path = start(deletedBeforeCached, client::alive);
    try {
      await().atMost(30, SECONDS).until(() -> !armed.get());
      cluster.createNamespace("team-a");
      namespaces.select("team-a");
      await()
          .atMost(30, SECONDS)
          .untilAsserted(() -> assertThat(cluster.get("team-a", ModelRun.TRUST)).isNotNull());
    } finally {
      path.close();
    }
  }

  /**
   * A watch that was disconnected while a copy was deleted may never report the deletion; the
   * periodic re-read of the copies notices it, and the copy is written again.
   */
  @Test
  void aDeletionTheWatchMissedIsNoticedWhenTheCopiesAreReadAgain() throws Exception {
    namespaces.select("team-a");
    var client = cluster.client("replica-1");
    ConfigMapApi missesDeletions =
        new DelegatingConfigMaps(client) {
          @Override
          public AutoCloseable watch(
              String namespace, java.util.Map<String, String> labels, Handler handler) {
            return super.watch(
                namespace,
                labels,
                (ns, name, after) -> {
                  if (after != null) {
                    handler.changed(ns, name, after);
                  }
                });
          }
        };
    RevocationPath path = start(missesDeletions, client::alive);
    try {
      await().atMost(30, SECONDS).until(() -> cluster.get("team-a", ModelRun.TRUST) != null);
      cluster.adminDelete("team-a", ModelRun.TRUST);
      path.trust().publishNow();
      assertThat(cluster.get("team-a", ModelRun.TRUST)).as("unseen deletion").isNull();
      path.trust().resyncCopies();
      path.trust().publishNow();
      assertThat(cluster.get("team-a", ModelRun.TRUST)).isNotNull();
    } finally {
      path.close();
    }
  }

  /**
   * One target namespace whose API server refuses its copy (quota, admission, too large) holds up
   * nothing elsewhere: indices are still handed out (the reservation is announced in the operator
   * namespace's copy), a revocation is published everywhere else and counts for deletions, and the
   * namespace is named with the API server's answer until it accepts the copy again.
   */
  @Test
  void aNamespaceRefusingItsCopyHoldsUpNothingElsewhereAndIsNamed() throws Exception {
    cluster.createNamespace("team-b");
    namespaces.select("team-a");
    namespaces.select("team-b");
    cluster.faults(
        call ->
            "team-b".equals(call.namespace()) && call.isWrite()
                ? InMemoryConfigMaps.Fault.TOO_LARGE
                : null);
    RevocationPath path = start("replica-1");
    try {
      long index = new IndexAllocator(path.indexStore(), 1024).next();
      assertThat(coverage()).isGreaterThan(index);
      path.revocations().record(List.of(record(index))).get(30, SECONDS);
      await()
          .atMost(30, SECONDS)
          .until(() -> path.revocations().isPublishedWhereWritable(List.of(index)));
      assertThat(copyShows("team-a", index)).isTrue();
      assertThat(path.revocations().isPublished(List.of(index))).isFalse();
      assertThat(path.revocations().refusingNamespaces())
          .containsOnlyKeys("team-b")
          .hasValueSatisfying(
              new org.assertj.core.api.Condition<>(
                  reason -> reason.contains("namespace team-b") && reason.contains("HTTP 422"),
                  "names the namespace and the answer"));

      cluster.faults(InMemoryConfigMaps.Faults.NONE);
      await().atMost(30, SECONDS).until(() -> path.revocations().isPublished(List.of(index)));
      assertThat(copyShows("team-b", index)).isTrue();
      assertThat(path.revocations().refusingNamespaces()).isEmpty();
    } finally {
      path.close();
    }
  }

  /** The operator namespace's own copy is the one a reservation must reach: without it, none. */
  @Test
  void theOperatorNamespaceRefusingItsCopyFailsIssuanceAtOnceWithTheReason() throws Exception {
    cluster.faults(
        call ->
            ModelRun.NAMESPACE.equals(call.namespace())
                    && ModelRun.TRUST.equals(call.name())
                    && call.isWrite()
                ? InMemoryConfigMaps.Fault.TOO_LARGE
                : null);
    RevocationPath path = start("replica-1");
    try {
      IndexAllocator allocator = new IndexAllocator(path.indexStore(), 1024);
      assertThatThrownBy(allocator::next)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("could not be announced")
          .hasMessageContaining("namespace " + ModelRun.NAMESPACE)
          .hasMessageContaining("HTTP 422");
      cluster.faults(InMemoryConfigMaps.Faults.NONE);
      long index = allocator.next();
      assertThat(coverage()).isGreaterThan(index);
    } finally {
      path.close();
    }
  }

  /**
   * Found by the model under load (seed 777089): a replica that had lost the Lease was in the
   * middle of a round computed before a revocation was stored; the new leader published that
   * revocation in one namespace, and the old round then wrote another namespace's copy without it
   * (a verifier with the mount and HTTP takes the newer signed list: valid again). The fence is now
   * checked before every write, so the old round stops at its next write.
   */
  @Test
  void aRoundInFlightStopsWritingOnceTheLeaseIsLost() throws Exception {
    namespaces.select("team-a");
    java.util.concurrent.atomic.AtomicBoolean holdsLease =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicBoolean armed =
        new java.util.concurrent.atomic.AtomicBoolean(false);
    java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Void>>
        recordingNine = new java.util.concurrent.atomic.AtomicReference<>();
    RevocationPath old = start("replica-1", holdsLease::get);
    await().atMost(30, SECONDS).until(() -> cluster.get("team-a", ModelRun.TRUST) != null);
    RevocationPath[] leader = new RevocationPath[1];
    long revokedByLeader = 7;
    try {
      cluster.faults(
          call -> {
            boolean teamACopy =
                "team-a".equals(call.namespace()) && ModelRun.TRUST.equals(call.name());
            if (teamACopy && call.client().equals("replica-2") && call.isWrite()) {
              return InMemoryConfigMaps.Fault.SERVER_ERROR; // the new leader has not got here yet
            }
            if (teamACopy
                && call.client().equals("replica-1")
                && call.op().equals("update")
                && armed.compareAndSet(true, false)) {
              try {
                // The round publishing 9 starts once the ledger holds it, and can reach this write
                // before 9's issue record is stored: losing the Lease then would leave that write
                // (and the test's wait for it) pending for good. Lose it once 9 is recorded.
                recordingNine.get().get(30, SECONDS);
                holdsLease.set(false);
                leader[0] = start("replica-2");
                leader[0].revocations().record(List.of(record(revokedByLeader))).get(30, SECONDS);
                await().atMost(30, SECONDS).until(() -> copyShows(revokedByLeader));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              // Someone wrote meanwhile: the writer reads the copy again and would write again.
              return InMemoryConfigMaps.Fault.CONFLICT;
            }
            return null;
          });
      // Armed only once replica-1 is idle: a round begun earlier (for an annotation, say) must not
      // move the Lease while replica-1's own revocation is still being stored.
      old.revocations().record(List.of(record(8))).get(30, SECONDS);
      await().atMost(30, SECONDS).until(() -> copyShows("team-a", 8));
      // Known to the hook before it is armed: whichever round of replica-1 meets it waits until 9
      // is recorded, then takes the Lease away.
      java.util.concurrent.CompletableFuture<Void> nine =
          new java.util.concurrent.CompletableFuture<>();
      recordingNine.set(nine);
      armed.set(true);
      old.revocations()
          .record(List.of(record(9)))
          .whenComplete(
              (done, failed) -> {
                if (failed != null) {
                  nine.completeExceptionally(failed);
                } else {
                  nine.complete(null);
                }
              });
      nine.get(30, SECONDS);
      // The round that publishes 9 updates team-a's copy and meets the hook.
      await().atMost(30, SECONDS).until(() -> !armed.get());
      try {
        old.trust().publishNow();
      } catch (RuntimeException roundFailed) {
        // not the leader any more
      }
      long firstShown = -1;
      for (var version : cluster.trustHistory()) {
        if (!version.name().equals(ModelRun.TRUST)) {
          continue;
        }
        boolean shows = shows(version.data(), revokedByLeader);
        if (shows && firstShown < 0) {
          firstShown = version.resourceVersion();
        }
        assertThat(firstShown < 0 || shows)
            .as(
                "%s version %d by %s after %d",
                version.namespace(), version.resourceVersion(), version.writer(), firstShown)
            .isTrue();
      }
      assertThat(firstShown).isPositive();
    } finally {
      cluster.faults(InMemoryConfigMaps.Faults.NONE);
      if (leader[0] != null) {
        leader[0].close();
      }
      old.close();
    }
  }

  /**
   * A revocation reaches the copies only once the store holds it: a copy showing a bit no stored
   * record has would be the last record of it, and destroying that copy (after a stop before the
   * write) would lose the revocation. The model checks this on every run (an admin destroying a
   * copy while stopped); here the store refuses the write for a while.
   */
  @Test
  void aRevocationTheStoreHasNotWrittenIsInNoCopy() throws Exception {
    RevocationPath path = start("replica-1");
    try {
      path.revocations().recordIssued(record(0)).get(30, TimeUnit.SECONDS);
      cluster.faults(
          call ->
              call.isWrite() && call.name() != null && call.name().contains("-issued-")
                  ? InMemoryConfigMaps.Fault.SERVER_ERROR
                  : null);
      var revoked = path.revocations().record(List.of(record(0)));

      path.trust().publishNow();
      assertThat(revoked).isNotDone();
      assertThat(copyShows(0)).as("published before it is stored").isFalse();

      cluster.faults(InMemoryConfigMaps.Faults.NONE);
      revoked.get(30, TimeUnit.SECONDS);
      await().atMost(30, TimeUnit.SECONDS).until(() -> copyShows(0));
    } finally {
      path.close();
    }
  }

  /**
   * Found while replaying the model's restores: the operator namespace emptied while stopped, its
   * publication version gone with it, and a copy in a namespace no longer selected (kept up to
   * date, not read as evidence) showing a higher version of ours. Every round refused to write a
   * lower version over it, for ever: no revocation was published anywhere again.
   */
  @Test
  void aHigherVersionOfOursInACopyOutsideTheSelectorDoesNotStopPublishing() throws Exception {
    namespaces.select("team-a");
    RevocationPath first = start("replica-1");
    first.revocations().recordIssued(record(0)).get(30, TimeUnit.SECONDS);
    first.revocations().record(List.of(record(0))).get(30, TimeUnit.SECONDS);
    await().atMost(30, TimeUnit.SECONDS).until(() -> copyShows("team-a", 0));
    namespaces.deselect("team-a");
    cluster.client("replica-1").kill();
    first.close();
    for (var map : cluster.all()) {
      if (map.getMetadata().getNamespace().equals(ModelRun.NAMESPACE)) {
        cluster.adminDelete(ModelRun.NAMESPACE, map.getMetadata().getName());
      }
    }

    RevocationPath second = start("replica-2");
    try {
      second.revocations().recordIssued(record(1)).get(30, TimeUnit.SECONDS);
      second.revocations().record(List.of(record(1))).get(30, TimeUnit.SECONDS);
      await()
          .atMost(30, TimeUnit.SECONDS)
          .until(() -> copyShows(ModelRun.NAMESPACE, 1) && copyShows("team-a", 1));
    } finally {
      second.close();
    }
  }

  private IssueRecord record(long index) {
    return new IssueRecord(
        index, clock.instant().plusSeconds(3600), "uid-" + index, "apps", "t" + index, null, false);
  }

  private boolean copyShows(long index) {
    return copyShows(ModelRun.NAMESPACE, index);
  }

  private boolean copyShows(String namespace, long index) {
    var map = cluster.get(namespace, ModelRun.TRUST);
    return map != null && shows(map.getData(), index);
  }

  private static boolean shows(java.util.Map<String, String> data, long index) {
    var list =
        dev.apitoken.format.status.StatusListDocument.parse(
                data.get(dev.apitoken.operator.revocation.TrustDocument.statusListKey(0)))
            .statusList();
    return index < list.size() && list.get(index) == 1;
  }

  private long coverage() {
    var map = cluster.get(ModelRun.NAMESPACE, ModelRun.TRUST);
    if (map == null) {
      return 0;
    }
    return dev.apitoken.format.status.StatusListDocument.parse(
            map.getData().get(dev.apitoken.operator.revocation.TrustDocument.statusListKey(0)))
        .statusList()
        .size();
  }
}
