package dev.apitoken.operator.publish;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.RevocationLedger;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.runtime.DaemonThreads;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.store.Fence;
import dev.apitoken.operator.store.KeyRingSecretStore;
import dev.apitoken.operator.store.RevocationLedgerStore;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.RevokedKids;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.operator.token.StatusListTokenSigner;
import dev.apitoken.operator.token.StatusListTokenSigner.SignedStatusList;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
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
 * <p>Copies are replicas of the revocation state. Before any copy is replaced, its bits are read: a
 * bit it shows that the ledger neither revokes nor has forgotten by expiry goes into the ledger
 * first, so no write ever clears a revocation (not after the ledger was lost or rolled back, not in
 * a namespace that left the selector: such copies are kept up to date, never left frozen).
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
  private final RevocationLedgerStore ledger;
  private final LongSupplier reservedUpTo;
  private final LongFunction<Instant> knownExpiry;
  private final Supplier<Instant> conservativeExpiry;
  private final java.time.Clock clock;
  private final Fence fence;
  private final OperatorMetrics metrics;
  private final ExecutorService fanOut;
  private final StatusListTokenSigner signer;

  /** Every ConfigMap of ours in any namespace, as last seen ("ns/name" → map). */
  private final Map<String, ConfigMap> copies = new ConcurrentHashMap<>();

  /**
   * Deletions the watch reported, per copy ("ns/name" → count). A version read or written before a
   * deletion was reported must not go back into {@link #copies} after it: the publisher would
   * believe a deleted copy is there and, its content being current, never write it again. (Found by
   * the model under load: a fan-out thread's create returned, the namespace was deleted and the
   * watch reported it, then the thread cached its write; the namespace, re-created, never got a
   * copy.)
   */
  private final Map<String, Long> deletionsSeen = new ConcurrentHashMap<>();

  /** Versions known to carry no revocation the ledger lacks ("ns/name" → resourceVersion). */
  private final Map<String, String> checked = new ConcurrentHashMap<>();

  private final Set<String> warnedOutsideSelector = ConcurrentHashMap.newKeySet();

  /** Monotonic time of the oldest request not yet covered by a publish (0: none pending). */
  private final AtomicLong pendingSinceNanos = new AtomicLong();

  /**
   * Monotonic time of the oldest request no completed round has carried out yet (0: none). Unlike
   * {@link #pendingSinceNanos}, which a round clears when it starts (and puts back if it fails), it
   * keeps counting while a round is in flight and is cleared only when one completes; guarded by
   * {@link #signal}.
   */
  private long unpublishedSinceNanos;

  private final Thread worker;
  private final Object signal = new Object();
  private boolean dirty;
  private volatile boolean running;
  private volatile PublicKeys keys = new PublicKeys(null, Set.of(), null);

  /** The kids of the JWKS the last complete round wrote to every target namespace. */
  private volatile Set<String> publishedKids = Set.of();

  private volatile Runnable onPublished = () -> {};

  private volatile Supplier<RevokedKids> revokedKids = RevokedKids::none;

  /** The published keys, and the active key, which signs the Status List Tokens. */
  private record PublicKeys(String jwksJson, Set<String> kids, SigningKey active) {}

  /** The ledger the last complete round wrote to every target namespace, and its targets. */
  private volatile RevocationLedger publishedLedger;

  private volatile Set<String> publishedTargets = Set.of();
  private AutoCloseable watch;

  public TrustPublisher(
      ConfigMapApi api,
      String trustName,
      String operatorNamespace,
      NamespaceSource namespaces,
      String statusListUri,
      RevocationLedgerStore ledger,
      LongSupplier reservedUpTo,
      LongFunction<Instant> knownExpiry,
      Supplier<Instant> conservativeExpiry,
      java.time.Clock clock,
      Fence fence,
      OperatorMetrics metrics,
      StatusListTokenSigner signer) {
    this.api = api;
    this.writer = new TrustConfigMapWriter(api);
    this.trustName = trustName;
    this.operatorNamespace = operatorNamespace;
    this.namespaces = namespaces;
    this.statusListUri = statusListUri;
    this.ledger = ledger;
    this.reservedUpTo = reservedUpTo;
    this.knownExpiry = knownExpiry;
    this.conservativeExpiry = conservativeExpiry;
    this.clock = clock;
    this.fence = fence;
    this.metrics = metrics;
    this.signer = signer;
    this.fanOut = Executors.newFixedThreadPool(4, DaemonThreads.named("trust-fan-out"));
    this.worker = new Thread(this::publishLoop, "trust-publisher");
    this.worker.setDaemon(true);
    metrics.publishPending(this::secondsUnpublished);
  }

  /** How long the oldest publish request has waited for a completed round; 0 when none waits. */
  private double secondsUnpublished() {
    long since;
    synchronized (signal) {
      since = unpublishedSinceNanos;
    }
    return since == 0 ? 0 : (System.nanoTime() - since) / 1e9;
  }

  private static Map<String, String> copyLabels() {
    return Labels.managed(TrustConfigMapWriter.COMPONENT);
  }

  /**
   * Reads every published copy (so their revocations are absorbed before anything is written), then
   * watches namespaces and copies, and publishes.
   */
  public void start() {
    readCopies();
    namespaces.start(this::requestPublish);
    running = true;
    requestPublish();
    worker.start();
  }

  /**
   * Reads every published copy and follows them from then on, absorbing their revocations; {@link
   * #start()} does it unless done before (a new leader reads them before its key ring is checked).
   */
  public synchronized void readCopies() {
    if (watch != null) {
      return;
    }
    // The watch first, then the list: a copy deleted in between is then known to be gone.
    watch =
        api.watch(
            null,
            copyLabels(),
            (ns, name, after) -> {
              String key = ns + "/" + name;
              if (after == null) {
                deletionsSeen.merge(key, 1L, Long::sum);
                copies.remove(key);
                checked.remove(key);
              } else {
                copies.merge(key, after, TrustPublisher::newer);
              }
              if (running && (after == null || !isChecked(after))) {
                requestPublish();
              }
            });
    resyncCopies();
  }

  /**
   * Reads every published copy again and absorbs what they show, so the publisher's picture of the
   * copies rests on the API server, not only on a watch that may have missed a deletion while
   * disconnected. At start, and from the maintenance loop at most every {@link
   * #COPY_RESYNC_INTERVAL}.
   */
  public void resyncCopies() {
    Map<String, Long> deletionsBefore = Map.copyOf(deletionsSeen);
    Map<String, ConfigMap> listed = new TreeMap<>();
    for (ConfigMap map : api.list(null, copyLabels())) {
      listed.put(key(map), map);
    }
    listed.values().forEach(map -> remember(map, deletionsBefore.get(key(map))));
    // Cached but not listed: gone, or written after the list was taken. Asked one by one.
    for (Map.Entry<String, ConfigMap> cached : Map.copyOf(copies).entrySet()) {
      if (!listed.containsKey(cached.getKey())) {
        ConfigMap was = cached.getValue();
        ConfigMap now = api.get(was.getMetadata().getNamespace(), was.getMetadata().getName());
        if (now == null) {
          copies.remove(cached.getKey(), was);
          checked.remove(cached.getKey());
        } else {
          remember(now, deletionsBefore.get(cached.getKey()));
        }
      }
    }
    lastResyncNanos = System.nanoTime();
    absorbUnchecked();
  }

  /**
   * How often the maintenance loop re-reads the copies (a list of every copy: not every minute).
   */
  public static final Duration COPY_RESYNC_INTERVAL = Duration.ofMinutes(10);

  private volatile long lastResyncNanos;

  /** {@link #resyncCopies()} when the last one is {@link #COPY_RESYNC_INTERVAL} old. */
  public void resyncCopiesWhenDue() {
    if (System.nanoTime() - lastResyncNanos >= COPY_RESYNC_INTERVAL.toNanos()) {
      resyncCopies();
      requestPublish();
    }
  }

  /**
   * Caches a version of a copy read or written when {@code deletionsBefore} deletions of it had
   * been reported: kept only if no deletion was reported since (else it may be gone).
   */
  private void remember(ConfigMap version, Long deletionsBefore) {
    copies.compute(
        key(version),
        (key, cached) -> {
          if (!Objects.equals(deletionsSeen.get(key), deletionsBefore)) {
            return cached;
          }
          return cached == null ? version : newer(cached, version);
        });
  }

  /** The newest of two versions of one copy (resourceVersions are numbers on our API servers). */
  private static ConfigMap newer(ConfigMap a, ConfigMap b) {
    try {
      return Long.parseLong(b.getMetadata().getResourceVersion())
              >= Long.parseLong(a.getMetadata().getResourceVersion())
          ? b
          : a;
    } catch (RuntimeException opaque) {
      return b;
    }
  }

  /** Annotation on every copy: indices reserved when it was written (none below is free). */
  public static final String RESERVED_ANNOTATION = "apitoken.dev/indices-reserved";

  /**
   * One past the highest index the published copies say was reserved: no index below may ever be
   * handed out again. A copy written before this annotation existed counts with its whole coverage.
   */
  public long reservedByCopies() {
    long reserved = 0;
    for (ConfigMap map : copies.values()) {
      Map<String, String> annotations = map.getMetadata().getAnnotations();
      String value = annotations == null ? null : annotations.get(RESERVED_ANNOTATION);
      if (value != null) {
        try {
          reserved = Math.max(reserved, Long.parseLong(value));
          continue;
        } catch (NumberFormatException unreadable) {
          // fall back to the coverage below
        }
      }
      reserved = Math.max(reserved, coverageOf(map));
    }
    return reserved;
  }

  /** The most indices any published copy covers (every index handed out so far is below it). */
  public long coveredByCopies() {
    return copies.values().stream().mapToLong(this::coverageOf).max().orElse(0);
  }

  private long coverageOf(ConfigMap map) {
    int shard = TrustDocument.shardOf(trustName, map.getMetadata().getName());
    String json =
        shard < 0 || map.getData() == null
            ? null
            : map.getData().get(TrustDocument.statusListKey(shard));
    try {
      return json == null ? 0 : StatusListDocument.parse(json).statusList().size();
    } catch (RuntimeException unreadable) {
      return 0; // a corrupt copy says nothing about coverage
    }
  }

  /**
   * Called with every new key ring. Publishing is asynchronous: the caller may be an informer
   * callback, and blocking it on a round whose HTTP calls need the same client's threads can stall
   * both. No key signs before it is published anyway ({@link #keyPublishedEverywhere}).
   */
  public void publishKeys(KeyRing ring) {
    keys =
        new PublicKeys(
            ring.publicJwks(),
            ring.keys().stream().map(SigningKey::kid).collect(Collectors.toUnmodifiableSet()),
            ring.activeKey());
    if (running) {
      requestPublish();
    }
  }

  /**
   * The signing keys revoked for good that the next rounds record on every copy of shard 0 (beside
   * {@code jwks.json}; verifiers ignore it), so losing the operator namespace does not lose them.
   */
  public void revokedKids(Supplier<RevokedKids> source) {
    revokedKids = source;
  }

  /** The union of the revoked signing keys every copy of shard 0 records, as last seen. */
  public RevokedKids revokedKidsShown() {
    RevokedKids shown = RevokedKids.none();
    for (ConfigMap map : copies.values()) {
      Map<String, String> annotations = map.getMetadata().getAnnotations();
      if (annotations != null
          && TrustDocument.shardOf(trustName, map.getMetadata().getName()) == 0) {
        shown =
            shown.union(
                RevokedKids.parse(
                    annotations.get(KeyRingSecretStore.REVOKED_KIDS_ANNOTATION), clock.instant()));
      }
    }
    return shown;
  }

  /** Asks for a publish soon; many requests during one round make one more round. */
  public void requestPublish() {
    long now = System.nanoTime();
    pendingSinceNanos.compareAndSet(0, now);
    synchronized (signal) {
      if (unpublishedSinceNanos == 0) {
        unpublishedSinceNanos = now;
      }
      dirty = true;
      signal.notifyAll();
    }
  }

  /** True when every given index is revoked in the copies written to every target namespace. */
  public boolean isPublished(Collection<Long> indices) {
    RevocationLedger published = publishedLedger;
    return published != null
        && publishedTargets.containsAll(targetNamespaces())
        // Revoked, not merely "forgotten": callers ask only about tokens that can still be valid.
        && indices.stream().allMatch(published::isRevoked);
  }

  /** The reserved-index mark the last complete round wrote to every target namespace. */
  private volatile long publishedReserved = -1;

  private final Object reservationPublished = new Object();

  /**
   * Returns once a complete round has written a reserved-index mark of at least {@code highWater}
   * to every copy: the copies then know of every index about to be handed out.
   *
   * @throws IllegalStateException when that does not happen within {@code timeout}
   */
  public void awaitReservationPublished(long highWater, Duration timeout) {
    long roundsBefore = roundsStarted.get();
    requestPublish();
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (reservationPublished) {
      while (publishedReserved < highWater) {
        RoundFailure failure = lastFailure;
        // A round begun after this request failed: say why now rather than wait out the timeout
        // (one namespace refusing its copy must not hold every issuance for the whole timeout).
        if (failure != null && failure.round() > roundsBefore) {
          throw new IllegalStateException(
              "the new block of status-list indices could not be announced in the trust"
                  + " ConfigMaps: "
                  + failure.reason()
                  + "; no index of it is used");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "the new block of status-list indices could not be announced in the trust"
                  + " ConfigMaps within "
                  + timeout.toSeconds()
                  + " s; no index of it is used");
        }
        try {
          reservationPublished.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while announcing new indices");
        }
      }
    }
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
    for (ConfigMap map : copies.values()) {
      if (TrustDocument.shardOf(trustName, map.getMetadata().getName()) >= 0) {
        targets.add(map.getMetadata().getNamespace());
      }
    }
    return targets;
  }

  /** Rounds begun so far. */
  private final AtomicLong roundsStarted = new AtomicLong();

  /** Why the last failed round failed (no secret in it: namespaces, names, HTTP codes). */
  private record RoundFailure(long round, String reason) {}

  private volatile RoundFailure lastFailure;

  /** One round: read unchecked copies into the ledger, compute every shard, write it everywhere. */
  public synchronized void publishNow() {
    if (keys.jwksJson() == null) {
      return;
    }
    long round = roundsStarted.incrementAndGet();
    try {
      publishRound();
    } catch (RuntimeException e) {
      lastFailure = new RoundFailure(round, reasonOf(e));
      synchronized (reservationPublished) {
        reservationPublished.notifyAll();
      }
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

    CopyWriteFailed(String namespace, String name, RuntimeException cause) {
      super(
          "writing ConfigMap "
              + name
              + " in namespace "
              + namespace
              + " failed ("
              + Failures.brief(cause)
              + ")",
          cause);
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
    absorbUnchecked();
    // Only what is stored is published: a revocation still being written could be lost by a crash,
    // and a copy must never take back a bit it showed.
    RevocationLedger snapshot = ledger.durable();
    // Never below what the copies already say: a process that lost the index counter must not
    // lower the mark (or shrink the list) that the next index floor is read from.
    long reserved = Math.max(reservedUpTo.getAsLong(), reservedByCopies());
    long coverage = TrustDocument.coverage(reserved);
    Map<String, String> annotations = Map.of(RESERVED_ANNOTATION, Long.toString(reserved));
    Map<String, String> keyAnnotations = withRevokedKids(annotations);
    int shards = Math.max(TrustDocument.shards(coverage), highestShardPublished() + 1);
    List<Map<String, String>> documents = new ArrayList<>();
    for (int k = 0; k < shards; k++) {
      documents.add(document(k, keySnapshot, snapshot, coverage));
    }
    Set<String> selected = namespaces.selected();
    Set<String> targets = targetNamespaces();
    warnOutsideSelector(targets, selected);
    if (!fence.mayWrite()) {
      throw new IllegalStateException("not the leader: publishing nothing");
    }
    List<CompletableFuture<Boolean>> writes = new ArrayList<>();
    for (String ns : targets) {
      for (int k = 0; k < shards; k++) {
        int shard = k;
        writes.add(
            CompletableFuture.supplyAsync(
                () ->
                    writeCopy(
                        ns,
                        shard,
                        documents.get(shard),
                        shard == 0 ? keyAnnotations : annotations,
                        keySnapshot.active()),
                fanOut));
      }
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    long written = writes.stream().filter(CompletableFuture::join).count();
    publishedLedger = snapshot;
    publishedTargets = targets;
    publishedKids = keySnapshot.kids();
    synchronized (reservationPublished) {
      publishedReserved = Math.max(publishedReserved, reserved);
      reservationPublished.notifyAll();
    }
    synchronized (signal) {
      // What was requested before this round began is out; a request made since still waits.
      unpublishedSinceNanos = pendingSinceNanos.get();
    }
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
          TrustDocument.configMapName(trustName, k), ShardedStore.dataBytes(documents.get(k)));
    }
    // status-list.json and its shards, as documented: not the keys or the signed copies.
    int statusListBytes = 0;
    for (int k = 0; k < shards; k++) {
      statusListBytes += documents.get(k).getOrDefault(TrustFiles.statusList(k), "").length();
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
   * {@code annotations} plus the revoked signing keys, for the copies of shard 0. Written empty
   * only to clear kids some copy still shows (all forgotten), and left out otherwise.
   */
  private Map<String, String> withRevokedKids(Map<String, String> annotations) {
    RevokedKids kids = revokedKids.get();
    if (kids.isEmpty() && revokedKidsShown().isEmpty()) {
      return annotations;
    }
    Map<String, String> with = new TreeMap<>(annotations);
    with.put(KeyRingSecretStore.REVOKED_KIDS_ANNOTATION, kids.format());
    return with;
  }

  private int highestShardPublished() {
    int highest = 0;
    for (ConfigMap map : copies.values()) {
      highest = Math.max(highest, TrustDocument.shardOf(trustName, map.getMetadata().getName()));
    }
    return highest;
  }

  private boolean writeCopy(
      String namespace,
      int shard,
      Map<String, String> data,
      Map<String, String> annotations,
      SigningKey signingKey) {
    String name = TrustDocument.configMapName(trustName, shard);
    Long deletionsBefore = deletionsSeen.get(namespace + "/" + name);
    ConfigMap believed = copies.get(namespace + "/" + name);
    ConfigMap stored;
    try {
      stored =
          writer.write(
              namespace,
              name,
              data,
              annotations,
              believed,
              current -> keepingWhatItShows(current, shard, data, signingKey));
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      throw new CopyWriteFailed(namespace, name, e);
    }
    boolean changed = believed == null || stored != believed;
    remember(stored, deletionsBefore);
    checked.put(namespace + "/" + name, stored.getMetadata().getResourceVersion());
    metrics.trustWrite(namespace, changed);
    return changed;
  }

  /**
   * A shard's files as last computed: the JSON from its inputs, the signed token from the JSON and
   * the key, each redone only when what it was made from changed (or the token is due).
   */
  private record CachedShard(
      List<dev.apitoken.operator.revocation.LedgerShard> inputs,
      long coverage,
      String jwks,
      Map<String, String> files,
      SignedStatusList token) {
    boolean computedFrom(
        List<dev.apitoken.operator.revocation.LedgerShard> from, long cov, String keys) {
      if (cov != coverage || !Objects.equals(keys, jwks) || from.size() != inputs.size()) {
        return false;
      }
      for (int i = 0; i < from.size(); i++) {
        if (from.get(i) != inputs.get(i)) {
          return false;
        }
      }
      return true;
    }
  }

  private final Map<Integer, CachedShard> documentCache = new ConcurrentHashMap<>();

  /**
   * Shard {@code k}'s files, the JSON re-encoded only when its ledger shards (immutable: compared
   * by identity), the coverage or the keys changed (one revocation re-encodes one shard), the token
   * re-signed only when the JSON or the active key changed or the heartbeat is due. A token found
   * in this namespace's copy is kept when it is exactly ours and fresh, so a restart rewrites
   * nothing.
   */
  private Map<String, String> document(
      int k, PublicKeys keySnapshot, RevocationLedger snapshot, long coverage) {
    List<dev.apitoken.operator.revocation.LedgerShard> inputs = snapshot.shardsOfCopy(k);
    String keys = k == 0 ? keySnapshot.jwksJson() : null;
    CachedShard cached = documentCache.get(k);
    Map<String, String> json;
    if (cached != null && cached.computedFrom(inputs, coverage, keys)) {
      if (!needsSigning(cached.token(), keySnapshot.active())) {
        return cached.files();
      }
      json = cached.files();
    } else {
      json = TrustDocument.shard(k, keySnapshot.jwksJson(), snapshot, coverage, statusListUri);
      rememberSafe(json.get(TrustDocument.statusListKey(k)));
    }
    SignedStatusList token = signed(k, json, keySnapshot.active());
    Map<String, String> files = new TreeMap<>(json);
    files.put(TrustDocument.statusListTokenKey(k), token.compact());
    documentCache.put(k, new CachedShard(inputs, coverage, keys, Map.copyOf(files), token));
    rememberSafe(token.compact());
    return files;
  }

  private boolean needsSigning(SignedStatusList token, SigningKey active) {
    return token == null || !token.kid().equals(active.kid()) || signer.due(token.issuedAt());
  }

  /** The token for shard {@code k}'s JSON: the one in our own namespace's copy if still good. */
  private SignedStatusList signed(int k, Map<String, String> json, SigningKey key) {
    StatusListDocument document =
        StatusListDocument.parse(json.get(TrustDocument.statusListKey(k)));
    ConfigMap own = copies.get(operatorNamespace + "/" + TrustDocument.configMapName(trustName, k));
    String found =
        own == null || own.getData() == null
            ? null
            : own.getData().get(TrustDocument.statusListTokenKey(k));
    return signer
        .adopt(found, document.uri(), document.bits(), document.lst(), key)
        .orElseGet(() -> signer.sign(document.uri(), document.bits(), document.lst(), key));
  }

  /** True when a published Status List Token is due for its heartbeat re-signing. */
  private boolean heartbeatDue() {
    return keys.jwksJson() != null
        && documentCache.values().stream()
            .anyMatch(c -> c.token() != null && signer.due(c.token().issuedAt()));
  }

  /**
   * Status-list documents known to hold no revocation the ledger lacks (ours, or already absorbed).
   * The ledger only grows or forgets by expiry, so such a document never brings anything new:
   * copies with the same content (the same shard in every namespace) are decoded once.
   */
  private final Set<String> knownNothingNew = ConcurrentHashMap.newKeySet();

  /**
   * The data to write over {@code current}: {@code data}, plus any revoked bit {@code current}
   * shows that {@code data} lacks and that has not provably expired. Such bits also go into the
   * ledger. So no write ever takes a revocation back from a copy.
   *
   * <p>What is kept is measured against {@code data} itself, never against the ledger as it is now:
   * {@code data} was computed at the start of the round, and a bit that reached the ledger since
   * (stored by another replica that now leads, say) is in the copy being replaced but not in {@code
   * data}. (Found by the model: a fenced-out leader's round in flight cleared the new leader's
   * bit.)
   */
  private Map<String, String> keepingWhatItShows(
      ConfigMap current, int shard, Map<String, String> data, SigningKey signingKey) {
    // Checked before every write, not only when the round began: a round that outlives the Lease
    // stops at its next write.
    if (!fence.mayWrite()) {
      throw new IllegalStateException("not the leader any more: publishing nothing");
    }
    String key = TrustDocument.statusListKey(shard);
    String tokenKey = TrustDocument.statusListTokenKey(shard);
    Map<String, String> shownFiles =
        current == null || current.getData() == null ? Map.of() : current.getData();
    String written = data.get(key);
    String shown = shownFiles.get(key);
    String shownToken = shownFiles.get(tokenKey);
    boolean jsonDiffers = shown != null && !shown.equals(written);
    boolean tokenDiffers = shownToken != null && !shownToken.equals(data.get(tokenKey));
    if (!jsonDiffers && !tokenDiffers) {
      return data;
    }
    BitSet extra = new BitSet();
    BitSet fromJson = jsonDiffers ? decodedBits(shown, shard, false) : null;
    BitSet fromToken = tokenDiffers ? decodedBits(shownToken, shard, true) : null;
    // An unreadable copy shows nothing: a verifier rejects every token against it anyway.
    if (fromJson != null) {
      extra.or(fromJson);
    }
    if (fromToken != null) {
      extra.or(fromToken);
    }
    // The signed list beside the JSON shows the same bits.
    BitSet writing = decodedBits(written, shard, false);
    if (writing != null) {
      extra.andNot(writing);
    }
    RevocationLedger known = ledger.current();
    extra.stream().filter(i -> provablyExpired(known, i)).forEach(extra::clear);
    if (extra.isEmpty()) {
      return data;
    }
    if (ledger.absorb(extra, "copy " + key(current), conservativeExpiry.get(), knownExpiry) > 0) {
      metrics.revocationSourceDisagreed("copy");
    }
    StatusListDocument document = StatusListDocument.parse(written);
    var list = document.statusList();
    long size = Math.max(list.size(), extra.length());
    byte[] merged = java.util.Arrays.copyOf(list.toBytes(), (int) ((size + 7) / 8));
    extra.stream().forEach(i -> merged[i >>> 3] |= (byte) (1 << (i & 7)));
    StatusListDocument kept =
        StatusListDocument.of(
            dev.apitoken.format.status.StatusList.ofBytes(1, merged), document.uri());
    Map<String, String> files = new TreeMap<>(data);
    files.put(key, kept.toJson());
    // The signed list shows the same bits as the JSON beside it, always.
    files.put(tokenKey, signer.sign(kept.uri(), kept.bits(), kept.lst(), signingKey).compact());
    return files;
  }

  /** The revoked indices a signed list shows within {@code shard}; null if unreadable. */
  private static BitSet revokedBitsOfToken(String compact, int shard) {
    return StatusListTokenSigner.read(compact)
        .map(
            contents -> {
              try {
                return revokedBitsOf(
                    new StatusListDocument(contents.bits(), contents.lst(), "-"), shard);
              } catch (RuntimeException unreadable) {
                return null;
              }
            })
        .orElse(null);
  }

  private record Decoded(int shard, String text, boolean signed) {}

  /**
   * Recently decoded documents: a round writes one document over the same previous version in every
   * namespace, so each distinct content is inflated once per round, not once per namespace.
   */
  private final Map<Decoded, BitSet> decoded =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Decoded, BitSet> eldest) {
              return size() > 2 * IndexSpace.MAX_COPY_SHARDS;
            }
          });

  /**
   * The revoked bits of a status-list JSON or (signed) Status List Token, cached; a copy the caller
   * may change, or null if unreadable.
   */
  private BitSet decodedBits(String text, int shard, boolean signed) {
    Decoded key = new Decoded(shard, text, signed);
    BitSet bits = decoded.get(key);
    if (bits == null) {
      bits = signed ? revokedBitsOfToken(text, shard) : revokedBitsOf(text, shard);
      if (bits == null) {
        return null;
      }
      decoded.put(key, bits);
    }
    return (BitSet) bits.clone();
  }

  /** The revoked indices a status-list document shows within {@code shard}; null if unreadable. */
  private static BitSet revokedBitsOf(String json, int shard) {
    try {
      return revokedBitsOf(StatusListDocument.parse(json), shard);
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  private static BitSet revokedBitsOf(StatusListDocument document, int shard) {
    try {
      var list = document.statusList();
      long from = shard * IndexSpace.COPY_SHARD_SIZE;
      int to = (int) Math.min(list.size(), from + IndexSpace.COPY_SHARD_SIZE);
      BitSet bits = new BitSet();
      if (document.bits() == 1) {
        bits = BitSet.valueOf(list.toBytes());
        bits.clear(0, (int) Math.min(bits.size(), from));
        if (bits.length() > to) {
          bits.clear(to, bits.length());
        }
      } else {
        // Not our format, but a verifier treats any status other than VALID as revoked.
        for (int i = (int) from; i < to; i++) {
          if (list.get(i) != dev.apitoken.format.status.StatusList.VALID) {
            bits.set(i);
          }
        }
      }
      return bits;
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  private void absorbUnchecked() {
    for (ConfigMap map : List.copyOf(copies.values())) {
      if (!isChecked(map)) {
        absorb(map);
      }
    }
  }

  private boolean isChecked(ConfigMap map) {
    return Objects.equals(checked.get(key(map)), map.getMetadata().getResourceVersion());
  }

  /**
   * Puts the revocations a copy shows into the ledger (so they are stored, whatever happens to the
   * copy), and remembers its content as safe to overwrite once all of it is stored.
   */
  private void absorb(ConfigMap map) {
    int shard = TrustDocument.shardOf(trustName, map.getMetadata().getName());
    String json =
        shard < 0 || map.getData() == null
            ? null
            : map.getData().get(TrustDocument.statusListKey(shard));
    String token =
        shard < 0 || map.getData() == null
            ? null
            : map.getData().get(TrustDocument.statusListTokenKey(shard));
    if (token != null && !knownNothingNew.contains(token)) {
      absorbShown(map, token, revokedBitsOfToken(token, shard));
    }
    if (json != null && !knownNothingNew.contains(json)) {
      absorbShown(map, json, revokedBitsOf(json, shard));
    }
    checked.put(key(map), map.getMetadata().getResourceVersion());
  }

  private void absorbShown(ConfigMap map, String shown, BitSet bits) {
    if (bits == null) {
      LOG.warn(
          "{} {} {}",
          kv("event", "trust_copy_unreadable"),
          kv("configmap", key(map)),
          kv("action", "replacing"));
      return;
    }
    int added =
        bits.isEmpty()
            ? 0
            : ledger.absorb(bits, "copy " + key(map), conservativeExpiry.get(), knownExpiry);
    if (added > 0) {
      metrics.revocationSourceDisagreed("copy");
    }
    if (storedOrExpired(bits)) {
      rememberSafe(shown);
    }
  }

  private boolean storedOrExpired(BitSet bits) {
    RevocationLedger published = ledger.durable();
    RevocationLedger known = ledger.current();
    return bits.stream().allMatch(i -> published.isRevoked(i) || provablyExpired(known, i));
  }

  /**
   * The ledger forgot {@code index} because its token expired, and no issue record says otherwise
   * (a stored "forgotten" mark is data too: a record of a token still valid overrules it).
   */
  private boolean provablyExpired(RevocationLedger known, long index) {
    if (!known.covers(index) || known.isRevoked(index)) {
      return false;
    }
    Instant recorded = knownExpiry.apply(index);
    return recorded == null
        || !recorded.plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(clock.instant());
  }

  private void rememberSafe(String json) {
    if (knownNothingNew.size() > 256) {
      knownNothingNew.clear();
    }
    knownNothingNew.add(json);
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

  private static String key(ConfigMap map) {
    return map.getMetadata().getNamespace() + "/" + map.getMetadata().getName();
  }

  private void publishLoop() {
    while (running) {
      try {
        synchronized (signal) {
          while (!dirty && running) {
            signal.wait(HEARTBEAT_CHECK_MILLIS);
            // Re-signed on a heartbeat even when nothing changed, so no copy nears its exp.
            dirty = dirty || heartbeatDue();
          }
          dirty = false;
        }
        publishNow();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn(
            "{} {} {}",
            kv("event", "trust_publish_failed"),
            kv("error", Failures.brief(e)),
            kv("action", "retrying"));
        synchronized (signal) {
          dirty = true;
          try {
            signal.wait(RETRY_MILLIS);
          } catch (InterruptedException interrupted) {
            return;
          }
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    worker.interrupt();
    fanOut.shutdownNow();
    namespaces.close();
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception ignored) {
        // nothing to do on close
      }
    }
  }
}
