package dev.apitoken.operator;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.publish.NamespaceSource;
import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.reconcile.OrphanedTokens;
import dev.apitoken.operator.reconcile.PublishedRevocations;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.store.ConfigMapIndexBlockStore;
import dev.apitoken.operator.store.Fence;
import dev.apitoken.operator.store.IssueRecordStore;
import dev.apitoken.operator.store.RevocationLedgerStore;
import dev.apitoken.operator.store.RevokedKidRecords;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.store.StateRevokedKids;
import dev.apitoken.operator.token.RevokedKids;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that stores and publishes revocation state (ledger, issue records, index counter,
 * trust publisher, orphan sweep) wired over one {@link ConfigMapApi}, and the order in which a new
 * leader starts it. {@link ApiTokenOperator} uses it against the cluster; the model test runs this
 * same wiring against an in-memory API that fails on demand.
 */
public final class RevocationPath implements AutoCloseable {
  /** How long issuing waits for a new block of indices to be announced in the copies. */
  static final Duration RESERVATION_PUBLISH_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(RevocationPath.class);

  /** Names and limits the revocation path needs from the operator configuration. */
  public record Settings(
      String namespace,
      String trustName,
      String revocationsName,
      String issueRecordsPrefix,
      String stateName,
      String statusListUri,
      Duration maxTtl,
      Duration statusListValidity,
      Duration statusListTtl) {
    /** With the default Status List Token times: valid 1 h, ttl 30 s. */
    public Settings(
        String namespace,
        String trustName,
        String revocationsName,
        String issueRecordsPrefix,
        String stateName,
        String statusListUri,
        Duration maxTtl) {
      this(
          namespace,
          trustName,
          revocationsName,
          issueRecordsPrefix,
          stateName,
          statusListUri,
          maxTtl,
          Duration.ofHours(1),
          Duration.ofSeconds(30));
    }
  }

  private final Settings settings;
  private final Clock clock;
  private final OperatorMetrics metrics;
  private final RevocationLedgerStore ledger;
  private final IssueRecordStore records;
  private final ConfigMapIndexBlockStore indexStore;
  private final TrustPublisher trust;
  private final PublishedRevocations revocations;
  private final OrphanedTokens orphans;
  private final StateRevokedKids revokedKidsInState;
  private boolean started;

  /**
   * @param liveOwnerUids uids of every ApiToken that exists now, read from the API (not a cache)
   */
  public RevocationPath(
      ConfigMapApi configMaps,
      NamespaceSource namespaces,
      Fence fence,
      Clock clock,
      Settings settings,
      OperatorMetrics metrics,
      Supplier<Set<String>> liveOwnerUids) {
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    ShardedStore.Listener stateEvents =
        new ShardedStore.Listener() {
          @Override
          public void refused(String configMap, int code, String reason) {
            metrics.stateWriteRefused(configMap, code);
          }

          @Override
          public void restoring(String configMap, String why) {
            metrics.stateRestored(why);
          }

          @Override
          public void merged(String configMap) {
            metrics.revocationSourceDisagreed("ledger-or-records");
          }

          @Override
          public void stored(String configMap, long bytes) {
            metrics.stateObjectSize(configMap, bytes);
          }
        };
    String namespace = settings.namespace();
    // The publisher does not exist yet when the stores are built: requests go through this field.
    Runnable requestPublish = this::requestPublish;
    ledger =
        new RevocationLedgerStore(
            configMaps,
            namespace,
            settings.revocationsName(),
            clock,
            fence,
            stateEvents,
            requestPublish);
    records =
        new IssueRecordStore(
            configMaps, namespace, settings.issueRecordsPrefix(), clock, fence, stateEvents);
    indexStore =
        new ConfigMapIndexBlockStore(
            configMaps,
            namespace,
            settings.stateName(),
            this::indexFloor,
            this::coveredByCopies,
            this::announceReservation,
            fence,
            metrics::indexSpaceUsed);
    trust =
        new TrustPublisher(
            configMaps,
            settings.trustName(),
            namespace,
            namespaces,
            settings.statusListUri(),
            ledger,
            this::reservedUpTo,
            index -> records.expiryOf(index),
            () -> clock.instant().plus(conservativeLifetime(settings.maxTtl())),
            clock,
            fence,
            metrics,
            new dev.apitoken.operator.token.StatusListTokenSigner(
                settings.statusListValidity(), settings.statusListTtl(), clock));
    revokedKidsInState =
        new StateRevokedKids(configMaps, namespace, settings.stateName(), clock, fence);
    revocations = new PublishedRevocations(() -> ledger, () -> records, () -> trust);
    orphans = new OrphanedTokens(() -> records.all(), liveOwnerUids, revocations, clock);
  }

  /** One past the highest index any source knows was handed out. */
  private long indexFloor() {
    return Math.max(
        Math.max(ledger.current().indexBound(), records.indexBound()), trust.reservedByCopies());
  }

  /**
   * How far the published list must reach: the counter as this process read it, and never less than
   * any other source (the counter may have been deleted or rolled back since those indices were
   * handed out: a shorter list would reject the valid tokens beyond it).
   */
  private long reservedUpTo() {
    return Math.max(indexStore.highWater(), indexFloor());
  }

  private long coveredByCopies() {
    return trust.coveredByCopies();
  }

  /**
   * How long a token whose expiry no source knows may still live: max-ttl, but never less than a
   * year and a day, because max-ttl may have been lowered since the token was issued.
   */
  static Duration conservativeLifetime(Duration maxTtl) {
    Duration floor = Duration.ofDays(366);
    return maxTtl.compareTo(floor) > 0 ? maxTtl : floor;
  }

  /** Publishes a new index high-water mark before any index below it is handed out. */
  private void announceReservation(long highWater) {
    trust.awaitReservationPublished(highWater, RESERVATION_PUBLISH_TIMEOUT);
  }

  private void requestPublish() {
    TrustPublisher publisher = trust;
    if (publisher != null) {
      publisher.requestPublish();
    }
  }

  /**
   * Becoming leader: every copy of the revocation state is read and merged before anything is
   * published. {@code maintainKeys} runs between the stores and the publisher, so the publisher
   * starts with the public keys. Runs once; later calls do nothing.
   */
  public synchronized void startLeading(Runnable maintainKeys) {
    if (started) {
      return;
    }
    ledger.start();
    records.start();
    absorbRecordedRevocations();
    // Before the key ring is checked: the copies may be the last record of a revoked signing key.
    trust.readCopies();
    maintainKeys.run();
    trust.start();
    sweepOrphans();
    started = true;
  }

  /** Reads how far indices were reserved; needed before anything is issued, also by a standby. */
  public void startIndexStore() {
    indexStore.start();
  }

  /**
   * Revocations marked on issue records that the ledger lacks (the ledger was lost or rolled back).
   */
  private void absorbRecordedRevocations() {
    BitSet revoked = new BitSet();
    Map<Long, Instant> expiry = new HashMap<>();
    // Stored marks only: a mark still being written belongs to a revocation not yet recorded, which
    // must not be published before it is.
    for (IssueRecord r : records.stored()) {
      if (r.revoked()) {
        revoked.set(Math.toIntExact(r.index()));
        expiry.put(r.index(), r.expiresAt());
      }
    }
    if (!revoked.isEmpty()) {
      int added =
          ledger.absorb(
              revoked,
              "issue records",
              clock.instant().plus(conservativeLifetime(settings.maxTtl())),
              expiry::get);
      if (added > 0) {
        metrics.revocationSourceDisagreed("issue-records");
      }
    }
  }

  private void sweepOrphans() {
    try {
      orphans.sweep();
    } catch (RuntimeException e) {
      LOG.warn(
          "{} {}", kv("event", "orphan_sweep_failed"), kv("error", e.getClass().getSimpleName()));
    }
  }

  /**
   * The periodic part: a resync of every copy of the revocation state (re-read, merged, orphans
   * revoked), forgetting long-expired revocations and records, and a publish.
   */
  public void maintain() {
    try {
      ledger.resync();
      records.resync();
      absorbRecordedRevocations();
      sweepOrphans();
      ledger.prune();
      records.prune();
      trust.resyncCopiesWhenDue();
      trust.requestPublish();
    } catch (RuntimeException e) {
      LOG.warn(
          "{} {}",
          kv("event", "state_maintenance_failed"),
          kv("error", e.getClass().getSimpleName()));
    }
  }

  /**
   * Where revoked signing keys are recorded besides the key-ring Secret: the state ConfigMap and
   * every copy of shard 0 (written by the publisher, which asks {@code recorded} each round).
   */
  public RevokedKidRecords revokedKidRecords(Supplier<RevokedKids> recorded) {
    trust.revokedKids(recorded);
    return new RevokedKidRecords() {
      @Override
      public RevokedKids shownByCopies() {
        return trust.revokedKidsShown();
      }

      @Override
      public RevokedKids readState() {
        return revokedKidsInState.read();
      }

      @Override
      public void store(RevokedKids kids) {
        revokedKidsInState.write(kids);
        trust.requestPublish();
      }
    };
  }

  public RevocationLedgerStore ledger() {
    return ledger;
  }

  public IssueRecordStore records() {
    return records;
  }

  public ConfigMapIndexBlockStore indexStore() {
    return indexStore;
  }

  public TrustPublisher trust() {
    return trust;
  }

  public PublishedRevocations revocations() {
    return revocations;
  }

  @Override
  public void close() {
    trust.close();
    ledger.close();
    records.close();
  }
}
