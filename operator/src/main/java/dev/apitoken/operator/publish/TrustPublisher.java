package dev.apitoken.operator.publish;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.store.Fence;
import dev.apitoken.operator.store.PublicationVersion;
import dev.apitoken.operator.store.RevocationStore;
import dev.apitoken.operator.store.Scheduling;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.RevokedKids;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.operator.token.StatusListTokenSigner;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 * Publishes the trust ConfigMaps (public keys and the sharded status list) into the operator's
 * namespace, every namespace the selector picks, and every namespace that already holds a copy, and
 * puts back copies that someone edits or deletes. Requests coalesce: while one round of writes
 * runs, any number of new requests lead to one more round.
 *
 * <p>Copies are output, never state: a round writes what the stored revocation state says, and what
 * a copy holds decides only whether it needs writing. Anyone with edit rights in a namespace can
 * change its copy, so nothing in one is read back but the operator's own signed Status List Tokens,
 * verified, in the namespaces it trusts ({@link #evidence()}): that is how the stores are recovered
 * after a loss or rollback. Every change of content takes the next publication version ({@code
 * ver}), stored before any copy shows it.
 */
public final class TrustPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrustPublisher.class);
  private static final long RETRY_MILLIS = 1000;

  /** How often the idle publisher looks at the clock for a Status List Token due re-signing. */
  private static final long HEARTBEAT_CHECK_MILLIS = 1000;

  private final ConfigMapApi api;
  private final TrustConfigMapWriter writer;
  private final String trustName;
  private final String operatorNamespace;
  private final NamespaceSource namespaces;
  private final String statusListUri;
  private final RevocationStore store;
  private final LongSupplier reservedUpTo;
  private final PublicationVersion versionStore;
  private final Duration maxTokenLifetime;
  private final java.time.Clock clock;
  private final Fence fence;
  private final OperatorMetrics metrics;
  private final ExecutorService fanOut;
  private final StatusListTokenSigner signer;
  private final Scheduling scheduling;

  /** Which copies exist, as last seen. */
  private final CopyInventory copies;

  /** What each shard's copy holds, computed from the stored state. */
  private final ShardDocuments documents;

  private final Set<String> warnedOutsideSelector = ConcurrentHashMap.newKeySet();

  /** Monotonic time of the oldest request not yet covered by a publish (0: none pending). */
  private final AtomicLong pendingSinceNanos = new AtomicLong();

  /**
   * Monotonic time of the oldest request no completed round has carried out yet (0: none). Unlike
   * {@link #pendingSinceNanos}, which a round clears when it starts (and puts back if it fails), it
   * keeps counting while a round is in flight and is cleared only when one completes.
   */
  private final AtomicLong unpublishedSinceNanos = new AtomicLong();

  /** Runs the rounds, one at a time, the retries and the heartbeat check. */
  private final ScheduledExecutorService loop;

  /** A round is queued and has not begun: requests made meanwhile are carried by it. */
  private final AtomicBoolean roundQueued = new AtomicBoolean();

  private volatile boolean running;
  private volatile PublicKeys keys =
      new PublicKeys(null, Set.of(), null, TrustedKeys.of(Map.of()), Map.of());

  /** The kids of the JWKS the last complete round wrote to every target namespace. */
  private volatile Set<String> publishedKids = Set.of();

  private volatile Runnable onPublished = () -> {};

  private volatile Supplier<RevokedKids> revokedKids = RevokedKids::none;

  /** The published keys, and the active key, which signs the Status List Tokens. */
  private record PublicKeys(
      String jwksJson,
      Set<String> kids,
      SigningKey active,
      TrustedKeys verifying,
      Map<String, TrustedKey> byKid) {}

  /** The publication version of the last content written (guarded by this: rounds). */
  private long version;

  /**
   * The highest version of ours a copy showed where a round was about to write a lower one: the
   * next round's content takes a version above it (the stored counter may have been lost with the
   * operator namespace while a copy outside it kept the higher version).
   */
  private final java.util.concurrent.atomic.AtomicLong newerSeen =
      new java.util.concurrent.atomic.AtomicLong();

  /** What the content of {@link #version} was made of (null: nothing written since start). */
  private String publishedContent;

  /** What the last round wrote to each target namespace's copies, all shards of it. */
  private final Map<String, RevokedRecords> publishedIn = new ConcurrentHashMap<>();

  /** Target namespaces whose copy the API server refused in the last round, with why. */
  private final Map<String, String> refusing = new ConcurrentHashMap<>();

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
      PublicationVersion versionStore,
      Duration maxTokenLifetime,
      java.time.Clock clock,
      Fence fence,
      OperatorMetrics metrics,
      StatusListTokenSigner signer,
      Scheduling scheduling) {
    this.api = api;
    this.scheduling = scheduling;
    this.loop = scheduling.singleThread("trust-publisher");
    this.writer = new TrustConfigMapWriter(api);
    this.copies = new CopyInventory(api, scheduling::nanoTime);
    this.documents = new ShardDocuments(statusListUri, signer);
    this.trustName = trustName;
    this.operatorNamespace = operatorNamespace;
    this.namespaces = namespaces;
    this.statusListUri = statusListUri;
    this.store = store;
    this.reservedUpTo = reservedUpTo;
    this.versionStore = versionStore;
    this.maxTokenLifetime = maxTokenLifetime;
    this.clock = clock;
    this.fence = fence;
    this.metrics = metrics;
    this.signer = signer;
    this.fanOut = scheduling.pool("trust-fan-out", 4);
    metrics.publishPending(this::secondsUnpublished);
  }

  /** How long the oldest publish request has waited for a completed round; 0 when none waits. */
  private double secondsUnpublished() {
    long since = unpublishedSinceNanos.get();
    return since == 0 ? 0 : (System.nanoTime() - since) / 1e9;
  }

  /** Lists and watches the copies (if not done before), the namespaces, and publishes. */
  public void start() {
    readCopies();
    running = true;
    // Re-signed on a heartbeat even when nothing changed, so no copy nears its exp.
    loop.scheduleWithFixedDelay(
        () -> {
          if (heartbeatDue()) {
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
            TrustedKeys.parse(jwks),
            dev.apitoken.format.Jwks.parse(jwks));
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

  private volatile Supplier<Map<String, String>> keyRevocations = Map::of;

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
      if (!refusing.isEmpty()) {
        retryLater();
      }
    } catch (RuntimeException e) {
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

  /** True when every given index is revoked in the copies written to every target namespace. */
  public boolean isPublished(Collection<Long> indices) {
    return targetNamespaces().stream().allMatch(ns -> publishedIn(ns, indices));
  }

  /**
   * True when every given index is revoked in the operator namespace's copy and in every other
   * target namespace's copy but those whose API server refuses the write (a quota, an admission
   * policy): one such namespace holds up nothing elsewhere. It is named by {@link
   * #refusingNamespaces()}, and its copy gets the revocation as soon as it accepts writes again.
   */
  public boolean isPublishedWhereWritable(Collection<Long> indices) {
    return publishedIn(operatorNamespace, indices)
        && targetNamespaces().stream()
            .allMatch(ns -> refusing.containsKey(ns) || publishedIn(ns, indices));
  }

  private boolean publishedIn(String namespace, Collection<Long> indices) {
    RevokedRecords published = publishedIn.get(namespace);
    // Revoked, not merely "forgotten": callers ask only about tokens that can still be valid.
    return published != null && indices.stream().allMatch(published::isRevoked);
  }

  /** Target namespaces whose last write was refused, with the API server's answer. */
  public Map<String, String> refusingNamespaces() {
    return Map.copyOf(refusing);
  }

  /** Issuance waiting for its block of indices to be announced. */
  private final ReservationBarrier reservations = new ReservationBarrier();

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

  /** Runs after every complete round (for example to wake issuance waiting for a new key). */
  public void onPublished(Runnable listener) {
    onPublished = listener;
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
    try {
      publishRound();
    } catch (RuntimeException e) {
      reservations.failed(round, reasonOf(e));
      throw e;
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

  /** A copy could not be written: names the copy and the API server's answer. */
  private static final class CopyWriteFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    CopyWriteFailed(String namespace, String name, KubernetesClientException cause) {
      super(
          "writing ConfigMap "
              + name
              + " in namespace "
              + namespace
              + " failed ("
              + Failures.brief(cause)
              + ")",
          cause);
      this.code = cause.getCode();
    }

    /**
     * The namespace's API server refuses this write for a reason of its own (a quota or an
     * admission policy: 403; invalid or too large: 413, 422; the namespace gone: 404), which holds
     * up no other namespace; anything else (5xx, timeouts, conflicts) fails the round.
     */
    boolean refusedByNamespace() {
      return code == 403 || code == 404 || code == 413 || code == 422;
    }
  }

  private void publishRound() {
    long requestedAt = pendingSinceNanos.getAndSet(0);
    try {
      publishRound(requestedAt);
    } catch (RuntimeException e) {
      if (requestedAt != 0) {
        // The retry carries this request too: its propagation time still counts from the request.
        pendingSinceNanos.accumulateAndGet(
            requestedAt, (since, failed) -> since == 0 || failed - since < 0 ? failed : since);
      }
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
    Set<String> selected = namespaces.selected();
    Set<String> targets = targetNamespaces();
    warnOutsideSelector(targets, selected);
    // The Lease is asked once per round; each write is also fenced by its resourceVersion.
    if (!fence.mayWrite()) {
      throw new IllegalStateException("not the leader: publishing nothing");
    }
    StatusListToken.Signed claims = claimsFor(lists, reserved, revokedNow, keySnapshot);
    List<Map<String, String>> files = new ArrayList<>();
    for (int k = 0; k < shards; k++) {
      int shard = k;
      files.add(
          documents.files(
              k, lists.get(k), keySnapshot.active(), claims, () -> tokenInOwnCopy(shard)));
    }

    Map<String, List<CompletableFuture<Boolean>>> writes = new TreeMap<>();
    for (String ns : targets) {
      for (int k = 0; k < shards; k++) {
        int shard = k;
        writes
            .computeIfAbsent(ns, n -> new ArrayList<>())
            .add(
                CompletableFuture.supplyAsync(
                    () ->
                        writeCopy(
                            ns,
                            shard,
                            files.get(shard),
                            annotationsOf(shard, claims),
                            claims.version(),
                            keySnapshot.verifying()),
                    fanOut));
      }
    }
    CompletableFuture.allOf(
            writes.values().stream().flatMap(List::stream).toArray(CompletableFuture[]::new))
        .exceptionally(failed -> null)
        .join();
    long written = 0;
    Map<String, String> refusedNow = new TreeMap<>();
    CopyWriteFailed ownRefused = null;
    RuntimeException roundFailed = null;
    for (Map.Entry<String, List<CompletableFuture<Boolean>>> namespace : writes.entrySet()) {
      String refused = null;
      for (CompletableFuture<Boolean> write : namespace.getValue()) {
        try {
          written += write.join() ? 1 : 0;
        } catch (java.util.concurrent.CompletionException e) {
          if (e.getCause() instanceof CopyWriteFailed failed && failed.refusedByNamespace()) {
            refused = refused == null ? failed.getMessage() : refused;
            ownRefused = namespace.getKey().equals(operatorNamespace) ? failed : ownRefused;
          } else if (roundFailed == null) {
            roundFailed =
                e.getCause() instanceof RuntimeException cause
                    ? cause
                    : new IllegalStateException(e.getCause());
          }
        }
      }
      if (refused == null) {
        publishedIn.put(namespace.getKey(), snapshot);
      } else {
        refusedNow.put(namespace.getKey(), refused);
      }
    }
    // Not the leader any more, or another replica published since: nothing counts.
    if (roundFailed != null) {
      throw roundFailed;
    }
    publishedIn.keySet().retainAll(targets);
    noteRefusals(refusedNow, targets);
    if (ownRefused != null) {
      // The operator namespace's copy is the one every reservation must reach.
      throw ownRefused;
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
    for (int k = 0; k < shards; k++) {
      metrics.stateObjectSize(
          TrustDocument.configMapName(trustName, k), ShardedStore.dataBytes(files.get(k)));
    }
    // status-list.json and its shards, as documented: not the keys or the signed copies.
    int statusListBytes = 0;
    for (int k = 0; k < shards; k++) {
      statusListBytes += files.get(k).getOrDefault(TrustFiles.statusList(k), "").length();
    }
    metrics.publishCompleted(
        targets.size(),
        statusListBytes,
        snapshot.size(),
        requestedAt == 0 ? null : Duration.ofNanos(System.nanoTime() - requestedAt));
    if (written > 0) {
      LOG.info(
          "{} {} {} {} {} {} {}",
          kv("event", "trust_published"),
          kv("configmap", trustName),
          kv("namespaces", targets.size()),
          kv("shards", shards),
          kv("written", written),
          kv("revoked", snapshot.size()),
          kv("bytes", statusListBytes));
    }
  }

  /**
   * The version of the copy about to be replaced when our own key signed it and it is newer than
   * the round's {@code version} (another replica leads and published since the round began: this
   * round must not write its older content over it); 0 otherwise. A higher version that does not
   * verify is a tenant's forgery and is simply overwritten.
   */
  private static long newerPublication(
      ConfigMap current, int shard, long version, TrustedKeys verifying) {
    String compact =
        current == null || current.getData() == null
            ? null
            : current.getData().get(TrustDocument.statusListTokenKey(shard));
    if (compact == null) {
      return 0;
    }
    try {
      if (StatusListToken.readUnverified(compact).version() <= version) {
        return 0;
      }
      long shown = StatusListToken.parse(compact, verifying).version();
      return shown > version ? shown : 0;
    } catch (RuntimeException notOurs) {
      return 0;
    }
  }

  private boolean writeCopy(
      String namespace,
      int shard,
      Map<String, String> data,
      Map<String, String> annotations,
      long version,
      TrustedKeys verifying) {
    String name = TrustDocument.configMapName(trustName, shard);
    Long beforeWrite = copies.beforeWrite(namespace, name);
    ConfigMap believed = copies.get(namespace, name);
    ConfigMap stored;
    try {
      stored =
          writer.write(
              namespace,
              name,
              data,
              annotations,
              believed,
              current -> {
                // Checked before every write too: a round that outlives the Lease stops here.
                if (!fence.mayWrite()) {
                  throw new IllegalStateException("not the leader any more: publishing nothing");
                }
                long newer = newerPublication(current, shard, version, verifying);
                if (newer > 0) {
                  newerSeen.accumulateAndGet(newer, Math::max);
                  throw new IllegalStateException(
                      "another replica published version "
                          + newer
                          + " meanwhile (this round writes "
                          + version
                          + "): publishing nothing");
                }
                return data;
              });
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      throw new CopyWriteFailed(namespace, name, e);
    }
    boolean changed = believed == null || stored != believed;
    copies.written(stored, beforeWrite);
    metrics.trustWrite(namespace, changed);
    return changed;
  }

  /**
   * The signed claims of this round. Content that differs from what the last version carried takes
   * the next version, stored (fenced) before any copy shows it.
   */
  private StatusListToken.Signed claimsFor(
      List<Map<String, String>> lists, long reserved, RevokedKids kids, PublicKeys keySnapshot) {
    StringBuilder content = new StringBuilder();
    for (int k = 0; k < lists.size(); k++) {
      content.append(documents.digest(k)).append(',');
    }
    List<String> statements = new ArrayList<>();
    keyRevocations
        .get()
        .forEach(
            (kid, statement) -> {
              if (kids.contains(kid)) {
                statements.add(statement);
              }
            });
    java.util.Collections.sort(statements);
    content.append(reserved).append(',').append(kids.format()).append(',').append(statements);
    String made = content.toString();
    if (!made.equals(publishedContent) || newerSeen.get() >= version) {
      long next = Math.max(Math.max(version, versionStore.read()), newerSeen.get()) + 1;
      versionStore.write(next);
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

  /** Annotation on every copy: the digest of its status list and the version it carries. */
  public static final String CONTENT_ANNOTATION = "apitoken.dev/content";

  private Map<String, String> annotationsOf(int k, StatusListToken.Signed claims) {
    return Map.of(CONTENT_ANNOTATION, "v" + claims.version() + " sha256:" + documents.digest(k));
  }

  /** True when a published Status List Token is due for its heartbeat re-signing. */
  private boolean heartbeatDue() {
    return keys.jwksJson() != null && documents.heartbeatDue();
  }

  /**
   * Says (once per namespace and answer) which target namespaces refuse their copy, and which
   * accept it again; the gauge {@code apitoken_trust_namespace_refusing} follows.
   */
  private void noteRefusals(Map<String, String> refusedNow, Set<String> targets) {
    refusedNow.forEach(
        (namespace, reason) -> {
          if (!reason.equals(refusing.put(namespace, reason))) {
            LOG.warn(
                "{} {} {} {}",
                kv("event", "trust_copy_refused"),
                kv("namespace", namespace),
                kv("error", reason),
                kv("action", "retrying_other_namespaces_unaffected"));
            metrics.trustNamespaceRefusing(namespace, refusing::containsKey);
          }
        });
    for (String namespace : Set.copyOf(refusing.keySet())) {
      if (!refusedNow.containsKey(namespace)) {
        refusing.remove(namespace);
        if (targets.contains(namespace)) {
          LOG.info("{} {}", kv("event", "trust_copy_accepted_again"), kv("namespace", namespace));
        }
      }
    }
  }

  private void warnOutsideSelector(Set<String> targets, Set<String> selected) {
    for (String ns : targets) {
      if (!ns.equals(operatorNamespace)
          && !selected.contains(ns)
          && warnedOutsideSelector.add(ns)) {
        LOG.warn(
            "{} {} {} {}",
            kv("event", "trust_copy_outside_selector"),
            kv("namespace", ns),
            kv("action", "kept_up_to_date"),
            kv("hint", "delete_the_copy_if_no_workload_mounts_it"));
      }
    }
    warnedOutsideSelector.retainAll(targets);
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
