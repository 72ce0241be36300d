package dev.apitoken.operator;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.format.Base64Url;
import dev.apitoken.format.JwtJson;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.publish.NamespaceSource;
import dev.apitoken.operator.publish.SignedEvidence;
import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.reconcile.OrphanedTokens;
import dev.apitoken.operator.reconcile.PublishedRevocations;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.store.ConfigMapIndexBlockStore;
import dev.apitoken.operator.store.Fence;
import dev.apitoken.operator.store.RevocationStore;
import dev.apitoken.operator.store.RevokedKidRecords;
import dev.apitoken.operator.store.Scheduling;
import dev.apitoken.operator.store.StateEntries;
import dev.apitoken.operator.token.RevokedKids;
import dev.apitoken.operator.token.StatusListTokenSigner;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that stores and publishes revocation state (the revocation store, index counter, trust
 * publisher, orphan sweep) wired over one {@link ConfigMapApi}, and the order in which a new leader
 * starts it. {@link ApiTokenOperator} uses it against the cluster; the model test runs this same
 * wiring against an in-memory API that fails on demand.
 */
public final class RevocationPath implements AutoCloseable {
  /** How long issuing waits for a new block of indices to be announced in the copies. */
  static final Duration RESERVATION_PUBLISH_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(RevocationPath.class);

  /** Names and limits the revocation path needs from the operator configuration. */
  public record Settings(
      String namespace,
      String trustName,
      String issueRecordsPrefix,
      String stateName,
      String statusListUri,
      Duration maxTtl,
      Duration statusListValidity,
      Duration statusListTtl) {}

  private final Settings settings;
  private final Clock clock;
  private final OperatorMetrics metrics;
  private final RevocationStore store;
  private final StateEntries state;
  private final ConfigMapIndexBlockStore indexStore;
  private final TrustPublisher trust;
  private final PublishedRevocations revocations;
  private final OrphanedTokens orphans;

  /** Revoked keys' own statements of their revocation (kid to statement), stored and published. */
  private final Map<String, String> keyRevocations = new ConcurrentHashMap<>();

  /** Statements held that the state ConfigMap may lack (a write failed). */
  private volatile boolean statementsUnstored;

  private volatile SignedEvidence lastEvidence = SignedEvidence.NONE;
  private volatile Consumer<String> onRollback = message -> {};
  private volatile java.util.function.LongSupplier tokensInUse = () -> 0;

  /** {@link #tokensInUse} as first read by this process (-1: not yet); see {@link #tokensInUse}. */
  private final java.util.concurrent.atomic.AtomicLong tokensInUseAtFirstBlock =
      new java.util.concurrent.atomic.AtomicLong(-1);

  private volatile String rollbackSeen;
  private boolean started;

  /**
   * @param liveOwnerUids uids of every ApiToken that exists now, read from the API (not a cache)
   * @param scheduling runs every background job (shard writers, publish loop, fan-out), monotonic
   *     time and waits: {@link Scheduling#THREADS}, or the model test's single-threaded scheduler,
   *     so that a seed replays
   */
  public RevocationPath(
      ConfigMapApi configMaps,
      NamespaceSource namespaces,
      Fence fence,
      Clock clock,
      Settings settings,
      OperatorMetrics metrics,
      Supplier<Set<String>> liveOwnerUids,
      Scheduling scheduling) {
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    String namespace = settings.namespace();
    // The publisher does not exist yet when the store is built: requests go through this method.
    store =
        new RevocationStore(
            configMaps,
            namespace,
            settings.issueRecordsPrefix(),
            clock,
            settings.maxTtl(),
            fence,
            metrics,
            this::requestPublish,
            scheduling);
    state = new StateEntries(configMaps, namespace, settings.stateName(), fence);
    trust =
        new TrustPublisher(
            configMaps,
            settings.trustName(),
            namespace,
            namespaces,
            settings.statusListUri(),
            store,
            this::reservedUpTo,
            state,
            settings.maxTtl(),
            clock,
            fence,
            metrics,
            new StatusListTokenSigner(
                settings.statusListValidity(), settings.statusListTtl(), clock),
            scheduling);
    indexStore =
        new ConfigMapIndexBlockStore(
            state,
            () -> Math.max(indexFloor(), tokensInUseAtFirstBlock()),
            this::floorWhenCounterLost,
            highWater -> trust.awaitReservationPublished(highWater, RESERVATION_PUBLISH_TIMEOUT),
            fence,
            metrics::indexSpaceUsed);
    revocations = new PublishedRevocations(() -> store, () -> trust);
    orphans = new OrphanedTokens(store::all, liveOwnerUids, revocations, clock);
  }

  /**
   * Where a new block of indices also looks, besides the state: one past the highest index of a
   * token of ours that is still in use outside the operator namespace (the token Secrets, verified
   * with the key ring). With the operator namespace restored while stopped and no copy holding the
   * reservation, they are the only record of those indices; with no such token anywhere, the
   * cluster is new and the first index is 0. Read once, at the first block this process reserves (a
   * failure fails that reservation and it is read again at the next): a process leads once (it
   * exits when it loses the Lease), and from its first block on every index it hands out is in the
   * counter and its own high-water mark, so reading every token Secret again per block would cost a
   * list of all of them per 1,024 tokens for nothing.
   */
  public void tokensInUse(java.util.function.LongSupplier indexBound) {
    this.tokensInUse = indexBound;
  }

  private long tokensInUseAtFirstBlock() {
    long read = tokensInUseAtFirstBlock.get();
    if (read < 0) {
      read = tokensInUse.getAsLong();
      tokensInUseAtFirstBlock.compareAndSet(-1, read);
    }
    return read;
  }

  /** One past the highest index any source knows was handed out (our signed copies included). */
  private long indexFloor() {
    return Math.max(store.indexBound(), lastEvidence.reservedIndices());
  }

  /**
   * How far the published list must reach: the counter as this process read it, and never less than
   * any other source (the counter may have been deleted or rolled back since those indices were
   * handed out: a shorter list would reject the valid tokens beyond it).
   */
  private long reservedUpTo() {
    return Math.max(indexStore.highWater(), indexFloor());
  }

  /**
   * Where to resume when the index counter itself is gone: beyond everything our signed copies
   * reserved or cover, read now (a block reserved just before a stop is announced before use).
   */
  private long floorWhenCounterLost() {
    return Math.max(lastEvidence.reservedIndices(), trust.evidence().reservedIndices());
  }

  /**
   * How long a token whose expiry no source knows may still live: max-ttl, but never less than a
   * year and a day, because max-ttl may have been lowered since the token was issued.
   */
  static Duration conservativeLifetime(Duration maxTtl) {
    Duration floor = Duration.ofDays(366);
    return maxTtl.compareTo(floor) > 0 ? maxTtl : floor;
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
    store.start();
    // Listed before the key ring is checked: our signed copies may be the last record of a revoked
    // signing key. They are verified with the ring's keys, so the evidence is read after it.
    trust.readCopies();
    maintainKeys.run();
    recoverFromSignedCopies();
    trust.start();
    sweepOrphans();
    started = true;
  }

  /** Reads how far indices were reserved; needed before anything is issued, also by a standby. */
  public void startIndexStore() {
    indexStore.start();
  }

  /**
   * The recovery path: revocations, the index reservation and the publication version that our own
   * signed Status List Tokens (in the operator namespace and the selected ones) show and the stores
   * lack. A store behind the highest signed version is a rollback: the signed state is adopted, and
   * said loudly (WARN, metric, Warning Event, readiness message), never quietly.
   */
  private void recoverFromSignedCopies() {
    SignedEvidence evidence = trust.evidence();
    lastEvidence = evidence;
    if (!evidence.revoked().isEmpty()) {
      int added =
          store.absorb(
              evidence.revoked(),
              "signed copies",
              clock.instant().plus(conservativeLifetime(settings.maxTtl())));
      if (added > 0) {
        metrics.revocationSourceDisagreed("signed-copies");
      }
    }
    long stored = state.publishedVersion();
    if (evidence.version() > Math.max(stored, trust.version())) {
      String message =
          "the operator state is behind its own signed trust copies (stored publication version "
              + stored
              + ", signed "
              + evidence.version()
              + "): it was rolled back or restored; the signed revocations, index reservation and"
              + " version were adopted";
      rollbackSeen = message;
      LOG.warn(
          "{} {} {} {}",
          kv("event", "state_rolled_back"),
          kv("stored_version", stored),
          kv("signed_version", evidence.version()),
          kv("action", "adopting_signed_state"));
      metrics.stateRolledBack();
      onRollback.accept(message);
    }
    trust.continueVersionFrom(Math.max(stored, evidence.version()));
    keepKeyRevocations(evidence.keyRevocations());
  }

  /**
   * Adds revoked keys' statements (already checked, or made here) to those kept, and stores them in
   * the state ConfigMap when that adds any.
   */
  private void keepKeyRevocations(Collection<String> statements) {
    boolean added = false;
    for (String statement : statements) {
      String kid = kidOf(statement);
      if (kid != null && !statement.equals(keyRevocations.put(kid, statement))) {
        added = true;
      }
    }
    if (added) {
      trust.requestPublish();
      statementsUnstored = true;
    }
    if (statementsUnstored) {
      try {
        state.write(
            StateEntries.KEY_REVOCATIONS,
            String.join("\n", new TreeMap<>(keyRevocations).values()));
        statementsUnstored = false;
      } catch (RuntimeException e) {
        // Published from memory already; the next maintenance pass stores them again.
        LOG.warn(
            "{} {} {}",
            kv("event", "key_revocation_statement_store_failed"),
            kv("error", Failures.brief(e)),
            kv("action", "retrying_at_next_maintenance"));
      }
    }
  }

  /** The kid a statement names in its header (it was checked before it got here). */
  private static String kidOf(String statement) {
    try {
      int dot = statement.indexOf('.');
      byte[] header = Base64Url.decode(statement.substring(0, dot));
      return JwtJson.protectedHeader(header).kid();
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /**
   * The statements the state ConfigMap keeps, added to those held (they are ours: its namespace).
   */
  private void readKeyRevocationsInState() {
    String stored = state.read(StateEntries.KEY_REVOCATIONS);
    if (stored != null) {
      for (String statement : stored.split("\n")) {
        String kid = kidOf(statement.strip());
        if (kid != null) {
          keyRevocations.putIfAbsent(kid, statement.strip());
        }
      }
    }
  }

  /** Told (once per rollback found) what was found, for a Warning Event. */
  public void onRollback(Consumer<String> listener) {
    onRollback = listener;
  }

  /** The last rollback of the operator state that was found, if any (for readiness). */
  public Optional<String> rollbackSeen() {
    return Optional.ofNullable(rollbackSeen);
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
      store.resync();
      recoverFromSignedCopies();
      sweepOrphans();
      store.prune();
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
   * the signed claims of every Status List Token (written by the publisher, which asks {@code
   * recorded} each round; read back only from our own verified tokens).
   */
  public RevokedKidRecords revokedKidRecords(Supplier<RevokedKids> recorded) {
    trust.revokedKids(recorded);
    trust.keyRevocations(() -> Map.copyOf(keyRevocations));
    return new RevokedKidRecords() {
      @Override
      public void stated(String statement) {
        keepKeyRevocations(List.of(statement));
      }

      @Override
      public RevokedKids shownByCopies() {
        return trust.evidence().revokedKids();
      }

      @Override
      public RevokedKids readState() {
        readKeyRevocationsInState();
        return state.revokedKids(clock.instant());
      }

      @Override
      public void store(RevokedKids kids) {
        state.revokedKids(kids);
        trust.requestPublish();
      }
    };
  }

  public RevocationStore store() {
    return store;
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
    store.close();
  }
}
