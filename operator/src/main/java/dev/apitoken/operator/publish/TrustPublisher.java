package dev.apitoken.operator.publish;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.format.Jwks;
import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.publish.TrustConfigMapWriter.CopyWriteFailed;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.store.Fence;
import dev.apitoken.operator.store.RevocationStore;
import dev.apitoken.operator.store.Scheduling;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.store.StateEntries;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.RevokedKids;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.operator.token.StatusListTokenSigner;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publish loop: writes the trust ConfigMaps (public keys and the sharded status list) into the
 * operator's namespace, every namespace the selector picks, and every namespace that already holds
 * a copy, and puts back copies that someone edits or deletes. Requests coalesce: while one round
 * runs, any number of new requests lead to one more round. A round computes every shard from the
 * stored state ({@link ShardDocuments}), asks the Lease once, and fans the writes out ({@link
 * TrustConfigMapWriter}, fenced per write); {@link Deliveries} keeps what each namespace got,
 * {@link ReservationBarrier} wakes issuance waiting for its block of indices.
 *
 * <p>Copies are output, never state: what a copy holds decides only whether it needs writing.
 * Nothing in one is read back but the operator's own signed Status List Tokens, verified, in the
 * namespaces it trusts ({@link #evidence()}): that is how the stores are recovered after a loss or
 * rollback. Every change of content takes the next publication version ({@code ver}), stored before
 * any copy shows it.
 */
public final class TrustPublisher implements AutoCloseable {
  /** Annotation on every copy: the digest of its status list and the version it carries. */
  public static final String CONTENT_ANNOTATION = "apitoken.dev/content";

  private static final Logger LOG = LoggerFactory.getLogger(TrustPublisher.class);
  private static final long RETRY_MILLIS = 1000;

  /** How often the idle publisher looks at the clock for a Status List Token due re-signing. */
  private static final long HEARTBEAT_CHECK_MILLIS = 1000;

  /** The published keys, and the active key, which signs the Status List Tokens. */
  private record PublicKeys(
      String jwksJson, Set<String> kids, SigningKey active, Map<String, TrustedKey> byKid) {}

  private final String trustName;
  private final String operatorNamespace;
  private final NamespaceSource namespaces;
  private final String statusListUri;
  private final RevocationStore store;
  private final LongSupplier reservedUpTo;
  private final StateEntries state;
  private final Duration maxTokenLifetime;
  private final Clock clock;
  private final Fence fence;
  private final OperatorMetrics metrics;
  private final Scheduling scheduling;
  private final CopyInventory copies;
  private final ShardDocuments documents;
  private final TrustConfigMapWriter writer;
  private final Deliveries deliveries;
  private final ReservationBarrier reservations = new ReservationBarrier();

  /** Runs the rounds, one at a time, the retries and the heartbeat check. */
  private final ScheduledExecutorService loop;

  private final ExecutorService fanOut;

  /** A round is queued and has not begun: requests made meanwhile are carried by it. */
  private final AtomicBoolean roundQueued = new AtomicBoolean();

  /** Monotonic time of the oldest request not yet carried by a round (0: none pending). */
  private final AtomicLong pendingSinceNanos = new AtomicLong();

  /**
   * Monotonic time of the oldest request no completed round has carried out yet (0: none): unlike
   * {@link #pendingSinceNanos}, it keeps counting while a round is in flight.
   */
  private final AtomicLong unpublishedSinceNanos = new AtomicLong();

  private volatile boolean running;
  private volatile PublicKeys keys = new PublicKeys(null, Set.of(), null, Map.of());

  /** The kids of the JWKS the last complete round wrote to every target namespace. */
  private volatile Set<String> publishedKids = Set.of();

  private volatile Runnable onPublished = () -> {};
  private volatile Supplier<RevokedKids> revokedKids = RevokedKids::none;
  private volatile Supplier<Map<String, String>> keyRevocations = Map::of;

  /** The publication version of the last content written (guarded by this: rounds). */
  private long version;

  /** What the content of {@link #version} was made of (null: nothing written since start). */
  private String publishedContent;

  /**
   * The loop, the fan-out, time and waits come from {@code scheduling}: {@link Scheduling#THREADS}
   * in the operator, the model test's single-threaded scheduler there.
   */
  public TrustPublisher(
      ConfigMapApi api,
      String trustName,
      String operatorNamespace,
      NamespaceSource namespaces,
      String statusListUri,
      RevocationStore store,
      LongSupplier reservedUpTo,
      StateEntries state,
      Duration maxTokenLifetime,
      Clock clock,
      Fence fence,
      OperatorMetrics metrics,
      StatusListTokenSigner signer,
      Scheduling scheduling) {
    this.trustName = trustName;
    this.operatorNamespace = operatorNamespace;
    this.namespaces = namespaces;
    this.statusListUri = statusListUri;
    this.store = store;
    this.reservedUpTo = reservedUpTo;
    this.state = state;
    this.maxTokenLifetime = maxTokenLifetime;
    this.clock = clock;
    this.fence = fence;
    this.metrics = metrics;
    this.scheduling = scheduling;
    this.copies = new CopyInventory(api, scheduling::nanoTime);
    this.documents = new ShardDocuments(statusListUri, signer);
    this.writer = new TrustConfigMapWriter(api, copies, fence, metrics);
    this.deliveries = new Deliveries(operatorNamespace, metrics);
    this.loop = scheduling.singleThread("trust-publisher");
    this.fanOut = scheduling.pool("trust-fan-out", 4);
    metrics.publishPending(this::secondsUnpublished);
  }

  /** Lists and watches the copies (if not done before), the namespaces, and publishes. */
  public void start() {
    readCopies();
    running = true;
    // Re-signed on a heartbeat even when nothing changed, so no copy nears its exp.
    loop.scheduleWithFixedDelay(
        () -> {
          if (keys.jwksJson() != null && documents.heartbeatDue()) {
            requestPublish();
          }
        },
        HEARTBEAT_CHECK_MILLIS,
        HEARTBEAT_CHECK_MILLIS,
        TimeUnit.MILLISECONDS);
    requestPublish();
  }

  /**
   * Lists every published copy and follows them from then on; {@link #start()} does it unless done
   * before (a new leader reads the signed evidence in them before its key ring is checked).
   */
  public synchronized void readCopies() {
    // Which namespaces are trusted (and targets) is known before any evidence is read.
    namespaces.start(this::requestPublish);
    // Edited or deleted by someone: put back. Our own writes compare equal and cost none.
    copies.start(
        () -> {
          if (running) {
            requestPublish();
          }
        });
  }

  /** Lists every copy again (a deletion a disconnected watch missed), at most every 10 min. */
  public void resyncCopiesWhenDue() {
    if (copies.resyncWhenDue()) {
      requestPublish();
    }
  }

  /** Lists every copy again now. */
  public void resyncCopies() {
    copies.resync();
  }

  /**
   * The operator's own signed Status List Tokens in the copies of the namespaces it trusts (its own
   * and the selected ones), verified with the key ring's public keys: the only thing read back from
   * a copy. Empty until the first key ring is known.
   */
  public SignedEvidence evidence() {
    PublicKeys known = keys;
    if (known.jwksJson() == null) {
      return SignedEvidence.NONE;
    }
    Set<String> trusted = new TreeSet<>(namespaces.selected());
    trusted.add(operatorNamespace);
    List<SignedEvidence.Copy> listed = new ArrayList<>();
    for (ConfigMap map : copies.all()) {
      listed.add(
          new SignedEvidence.Copy(
              map.getMetadata().getNamespace(), map.getMetadata().getName(), map.getData()));
    }
    return SignedEvidence.read(
        listed,
        trusted,
        known.byKid(),
        revokedKids.get().kids(),
        trustName,
        statusListUri,
        maxTokenLifetime,
        clock.instant());
  }

  /**
   * Continues from {@code atLeast}: the stored version, or the highest our signed copies show when
   * the store is behind. The next content change takes a version above it.
   */
  public synchronized void continueVersionFrom(long atLeast) {
    version = Math.max(version, atLeast);
  }

  /** The publication version of the content last written. */
  public synchronized long version() {
    return version;
  }

  /**
   * Called with every new key ring. Publishing is asynchronous: the caller may be an informer
   * callback, and blocking it on a round whose HTTP calls need the same client's threads can stall
   * both. No key signs before it is published anyway ({@link #keyPublishedEverywhere}).
   */
  public void publishKeys(KeyRing ring) {
    String jwks = ring.publicJwks();
    keys =
        new PublicKeys(
            jwks,
            ring.keys().stream().map(SigningKey::kid).collect(Collectors.toUnmodifiableSet()),
            ring.activeKey(),
            Jwks.parse(jwks));
    if (running) {
      requestPublish();
    }
  }

  /**
   * The signing keys revoked for good that the next rounds record in every Status List Token
   * (signed claim {@code revoked_kids}; verifiers ignore it), so losing the operator namespace does
   * not lose them.
   */
  public void revokedKids(Supplier<RevokedKids> source) {
    revokedKids = source;
  }

  /**
   * The revoked keys' own statements of their revocation ({@code kid_revocations}), kept with every
   * Status List Token; only those of kids still revoked are published.
   */
  public void keyRevocations(Supplier<Map<String, String>> source) {
    keyRevocations = source;
  }

  /** Runs after every complete round (for example to wake issuance waiting for a new key). */
  public void onPublished(Runnable listener) {
    onPublished = listener;
  }

  /** Asks for a publish soon; many requests during one round make one more round. */
  public void requestPublish() {
    long now = System.nanoTime();
    pendingSinceNanos.compareAndSet(0, now);
    unpublishedSinceNanos.compareAndSet(0, now);
    if (running && roundQueued.compareAndSet(false, true)) {
      try {
        loop.execute(this::round);
      } catch (RejectedExecutionException closed) {
        roundQueued.set(false);
      }
    }
  }

  /** One round on the loop; a failed one, or one a namespace refused, is tried again in 1 s. */
  private void round() {
    roundQueued.set(false);
    try {
      publishNow();
      if (!deliveries.refusing().isEmpty()) {
        retryLater();
      }
    } catch (RuntimeException e) {
      if (!running) {
        // Stopping: close() interrupted this round; the next leader publishes, nothing to retry.
        LOG.debug("{} {}", kv("event", "trust_publish_interrupted"), kv("reason", "stopping"));
        return;
      }
      LOG.warn(
          "{} {} {}",
          kv("event", "trust_publish_failed"),
          kv("error", Failures.brief(e)),
          kv("action", "retrying"));
      retryLater();
    }
  }

  private void retryLater() {
    try {
      loop.schedule(this::requestPublish, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      // closed: nothing more to publish
    }
  }

  /** How long the oldest publish request has waited for a completed round; 0 when none waits. */
  private double secondsUnpublished() {
    long since = unpublishedSinceNanos.get();
    return since == 0 ? 0 : (System.nanoTime() - since) / 1e9;
  }

  /** True when every given index is revoked in the copies written to every target namespace. */
  public boolean isPublished(Collection<Long> indices) {
    return deliveries.isPublished(targetNamespaces(), indices);
  }

  /**
   * True when every given index is revoked in the operator namespace's copy and in every other
   * target namespace's copy but those named by {@link #refusingNamespaces()}.
   */
  public boolean isPublishedWhereWritable(Collection<Long> indices) {
    return deliveries.isPublishedWhereWritable(targetNamespaces(), indices);
  }

  /** Target namespaces whose last write was refused, with the API server's answer. */
  public Map<String, String> refusingNamespaces() {
    return deliveries.refusing();
  }

  /**
   * Returns once a complete round has written a reserved-index mark of at least {@code highWater}
   * to the operator namespace's copy and every other copy that accepts writes: they then know of
   * every index about to be handed out.
   *
   * @throws IllegalStateException when a round begun after this call fails (with its reason), or
   *     that does not happen within {@code timeout}
   */
  public void awaitReservationPublished(long highWater, Duration timeout) {
    reservations.await(highWater, timeout, this::requestPublish, scheduling);
  }

  /** True when {@code kid} is in the JWKS written to every target namespace. */
  public boolean keyPublishedEverywhere(String kid) {
    return publishedKids.contains(kid);
  }

  public long configMapWrites() {
    return writer.writes();
  }

  /**
   * The namespaces that receive copies: the operator's own, the selected ones, and any namespace
   * that holds a copy already (a copy left behind must not freeze with revocations missing).
   */
  public Set<String> targetNamespaces() {
    Set<String> targets = new TreeSet<>(namespaces.selected());
    targets.add(operatorNamespace);
    for (ConfigMap map : copies.all()) {
      if (TrustDocument.shardOf(trustName, map.getMetadata().getName()) >= 0) {
        targets.add(map.getMetadata().getNamespace());
      }
    }
    return targets;
  }

  /** One round: compute every shard from the stored state, write it everywhere. */
  public synchronized void publishNow() {
    if (keys.jwksJson() == null) {
      return;
    }
    long round = reservations.roundStarted();
    long requestedAt = pendingSinceNanos.getAndSet(0);
    try {
      publishRound(requestedAt);
    } catch (RuntimeException e) {
      if (requestedAt != 0) {
        // The retry carries this request too: its propagation time still counts from the request.
        pendingSinceNanos.accumulateAndGet(
            requestedAt, (since, failed) -> since == 0 || failed - since < 0 ? failed : since);
      }
      reservations.failed(round, reasonOf(e));
      throw e;
    }
  }

  /** One round; {@code requestedAt} is when the oldest request it carries was made (0: none). */
  private void publishRound(long requestedAt) {
    PublicKeys keySnapshot = keys;
    // Only what is stored is published: a revocation still being written could be lost by a crash,
    // and a copy must never take back a bit it showed.
    RevokedRecords snapshot = store.durable();
    long reserved = reservedUpTo.getAsLong();
    long coverage = TrustDocument.coverage(reserved);
    RevokedKids revokedNow = revokedKids.get();
    int shards = TrustDocument.shards(coverage);
    List<Map<String, String>> lists = new ArrayList<>();
    for (int k = 0; k < shards; k++) {
      lists.add(documents.unsignedFiles(k, keySnapshot.jwksJson(), snapshot, coverage));
    }
    Set<String> targets = targetNamespaces();
    deliveries.warnOutsideSelector(targets, namespaces.selected());
    // The Lease is asked once per round; each write is also fenced by its resourceVersion.
    if (!fence.mayWrite()) {
      throw new IllegalStateException("not the leader: publishing nothing");
    }
    StatusListToken.Signed claims = claimsFor(shards, reserved, revokedNow);
    TrustedKeys verifying = TrustedKeys.of(keySnapshot.byKid());
    List<Map<String, String>> files = new ArrayList<>();
    for (int k = 0; k < shards; k++) {
      int shard = k;
      files.add(
          documents.files(
              k, lists.get(k), keySnapshot.active(), claims, () -> tokenInOwnCopy(shard)));
    }

    TrustConfigMapWriter.Outcome outcome =
        writer.writeAll(
            targets,
            k -> TrustDocument.configMapName(trustName, k),
            files,
            k ->
                Map.of(
                    CONTENT_ANNOTATION, "v" + claims.version() + " sha256:" + documents.digest(k)),
            claims.version(),
            verifying,
            fanOut);
    outcome.delivered().forEach(ns -> deliveries.delivered(ns, snapshot));
    // Not the leader any more, or another replica published since: the round failed.
    if (outcome.failure() != null) {
      throw outcome.failure();
    }
    Map<String, String> refused = new TreeMap<>();
    outcome.refused().forEach((ns, failed) -> refused.put(ns, failed.getMessage()));
    deliveries.roundCompleted(targets, refused);
    if (outcome.refused().containsKey(operatorNamespace)) {
      // The operator namespace's copy is the one every reservation must reach.
      throw outcome.refused().get(operatorNamespace);
    }
    publishedKids = keySnapshot.kids();
    reservations.published(reserved);
    // What was requested before this round began is out; a request made since still waits.
    unpublishedSinceNanos.set(pendingSinceNanos.get());
    try {
      onPublished.run();
    } catch (RuntimeException listenerFailed) {
      // The round is complete whatever a listener does: it must not be retried as failed.
      LOG.warn(
          "{} {}",
          kv("event", "publish_listener_failed"),
          kv("error", Failures.brief(listenerFailed)));
    }
    // status-list.json and its shards, as documented: not the keys or the signed copies.
    int statusListBytes = 0;
    for (int k = 0; k < shards; k++) {
      metrics.stateObjectSize(
          TrustDocument.configMapName(trustName, k), ShardedStore.dataBytes(files.get(k)));
      statusListBytes += files.get(k).getOrDefault(TrustFiles.statusList(k), "").length();
    }
    metrics.publishCompleted(
        targets.size(),
        statusListBytes,
        snapshot.size(),
        requestedAt == 0 ? null : Duration.ofNanos(System.nanoTime() - requestedAt));
    if (outcome.written() > 0) {
      LOG.info(
          "{} {} {} {} {} {} {}",
          kv("event", "trust_published"),
          kv("configmap", trustName),
          kv("namespaces", targets.size()),
          kv("shards", shards),
          kv("written", outcome.written()),
          kv("revoked", snapshot.size()),
          kv("bytes", statusListBytes));
    }
  }

  private static String reasonOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CopyWriteFailed failed) {
        return failed.getMessage();
      }
    }
    return Failures.brief(e);
  }

  /**
   * The signed claims of this round. Content that differs from what the last version carried takes
   * the next version, stored (fenced) before any copy shows it.
   */
  private StatusListToken.Signed claimsFor(int shards, long reserved, RevokedKids kids) {
    List<String> statements = new ArrayList<>();
    keyRevocations
        .get()
        .forEach(
            (kid, statement) -> {
              if (kids.contains(kid)) {
                statements.add(statement);
              }
            });
    statements.sort(null);
    StringBuilder content = new StringBuilder();
    for (int k = 0; k < shards; k++) {
      content.append(documents.digest(k)).append(',');
    }
    content.append(reserved).append(',').append(kids.format()).append(',').append(statements);
    String made = content.toString();
    if (!made.equals(publishedContent) || writer.newestSeen() >= version) {
      long next = Math.max(Math.max(version, state.publishedVersion()), writer.newestSeen()) + 1;
      state.publishedVersion(next);
      version = next;
      publishedContent = made;
    }
    Map<String, Long> revokedAt = new TreeMap<>();
    kids.revokedAt().forEach((kid, at) -> revokedAt.put(kid, at.getEpochSecond()));
    return new StatusListToken.Signed(version, reserved, revokedAt, statements);
  }

  /** The Status List Token in our own namespace's copy of shard {@code k}, as last seen. */
  private String tokenInOwnCopy(int k) {
    ConfigMap own = copies.get(operatorNamespace, TrustDocument.configMapName(trustName, k));
    return own == null || own.getData() == null
        ? null
        : own.getData().get(TrustDocument.statusListTokenKey(k));
  }

  @Override
  public void close() {
    running = false;
    loop.shutdownNow();
    fanOut.shutdownNow();
    namespaces.close();
    copies.close();
  }
}
