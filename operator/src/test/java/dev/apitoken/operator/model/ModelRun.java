package dev.apitoken.operator.model;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.RevocationPath;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.runtime.ApiServerClock;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.token.DesiredToken;
import dev.apitoken.operator.token.IndexAllocator;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.SignedToken;
import dev.apitoken.operator.token.TokenIssuer;
import dev.apitoken.operator.token.TokenReader;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One model sequence: the production revocation path ({@link RevocationPath}, the same wiring
 * {@code ApiTokenOperator} runs) over {@link InMemoryConfigMaps}, driven by a small reconciler that
 * does what {@code TokenIssuance} and {@code TokenRevocation} do, in the same order and through the
 * same objects:
 *
 * <ul>
 *   <li>issue: {@link TokenIssuer#issue} (index from the real {@link IndexAllocator} over the
 *       ConfigMap index store), then the issue record through {@code Revocations.recordIssued}
 *       (write-ahead, waited for), and only then the token goes into the "Secret" (a map here) and
 *       into the status list of tokens. A token already in the Secret is recorded first if its
 *       record is missing, as {@code recordBeforeRelease} does.
 *   <li>revoke (spec.revoked, revokeAt reached, deletion): every token {@code issuedTo(uid)}, in
 *       status, or in the Secret (verified with the key ring, any subject), not long expired, goes
 *       to {@code Revocations.record}; once that is written the Secret is dropped; a deletion lets
 *       the finalizer go only once {@code isPublished} says every target namespace has it.
 * </ul>
 *
 * What it leaves out: Kubernetes Secrets, Events and conditions (the model keeps the Secret value
 * and the status token list in maps); the key ring is one fixed ring shared by every replica (its
 * Secret is not faulted here).
 */
final class ModelRun implements AutoCloseable {
  static final String NAMESPACE = "apitoken-system";
  static final String TRUST = "apitoken-trust";
  static final Duration TTL = Duration.ofHours(1);
  static final Duration RENEW_BEFORE = Duration.ofMinutes(15);
  static final Duration MAX_TTL = Duration.ofHours(2);
  private static final long WAIT_MILLIS = 300;
  private static final KeyRing RING =
      KeyRing.create(Instant.parse("2025-12-01T00:00:00Z"), seededRandom(20));
  private static final RevocationPath.Settings SETTINGS =
      new RevocationPath.Settings(
          NAMESPACE,
          TRUST,
          TRUST + "-issued",
          TRUST + "-state",
          "https://issuer.example/status",
          MAX_TTL,
          Duration.ofHours(1),
          Duration.ofSeconds(30));

  /** What the adversary steps did, over every run of this JVM (for the test's summary line). */
  static final Map<String, java.util.concurrent.atomic.AtomicLong> COUNTS =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  static void count(String what) {
    count(what, 1);
  }

  static void count(String what, long n) {
    COUNTS.computeIfAbsent(what, k -> new java.util.concurrent.atomic.AtomicLong()).addAndGet(n);
  }

  /** A broken invariant. */
  static final class Violation extends AssertionError {
    Violation(String message) {
      super(message);
    }
  }

  /** An ApiToken as the user and the API server see it. */
  static final class ApiTokenModel {
    final String name;
    final String uid;
    String subject;
    boolean revoke;
    Instant revokeAt;
    boolean deleting;
    boolean revokedRecorded;
    final Map<Long, Instant> statusTokens = new TreeMap<>();

    ApiTokenModel(String name, String uid, String subject) {
      this.name = name;
      this.uid = uid;
      this.subject = subject;
    }

    boolean revocationDue(Instant now) {
      return deleting || revoke || (revokeAt != null && !now.isBefore(revokeAt));
    }

    /** The ApiToken as a backup holds it. */
    ApiTokenModel copy() {
      ApiTokenModel c = new ApiTokenModel(name, uid, subject);
      c.revoke = revoke;
      c.revokeAt = revokeAt;
      c.deleting = deleting;
      c.revokedRecorded = revokedRecorded;
      c.statusTokens.putAll(statusTokens);
      return c;
    }
  }

  /** A token that reached a Secret. */
  record Released(String uid, String apiToken, long index, Instant expiresAt) {}

  /** One operator process. */
  final class Replica {
    final String id;
    final InMemoryConfigMaps.Client api;
    final RevocationPath path;
    final TokenIssuer issuer;

    /**
     * This process's clock, as {@code Main} wires it: its node's clock (the model's, minutes off
     * when skewed), never ahead of the API server's, whose clock is the model's own.
     */
    final java.time.Clock clock;

    Replica(String id) {
      this.id = id;
      ApiServerClock clock =
          new ApiServerClock(
              skew.isZero()
                  ? ModelRun.this.clock
                  : java.time.Clock.offset(ModelRun.this.clock, skew));
      // The Date of the API server's first answer (skew and model time move together after it).
      clock.observed(ModelRun.this.clock.instant());
      this.clock = clock;
      this.api = cluster.client(id);
      this.path =
          new RevocationPath(
              api,
              namespaces.source(),
              () -> id.equals(leaseHolder) && api.alive(),
              clock,
              SETTINGS,
              new OperatorMetrics(new SimpleMeterRegistry(), clock),
              () -> {
                if (!api.alive()) {
                  throw new IllegalStateException("process stopped");
                }
                return apiTokens.values().stream().map(t -> t.uid).collect(Collectors.toSet());
              },
              scheduler);
      path.tokensInUse(
          () -> {
            if (!api.alive()) {
              throw new IllegalStateException("process stopped");
            }
            return secrets.values().stream()
                .map(v -> TokenReader.verify(v, RING))
                .flatMap(Optional::stream)
                .mapToLong(c -> c.statusIndex() + 1)
                .max()
                .orElse(0);
          });
      this.issuer =
          new TokenIssuer(
              SETTINGS.statusListUri(),
              RING::activeKey,
              new IndexAllocator(path.indexStore(), 1024),
              tokenIds,
              clock);
    }

    void start() {
      path.startIndexStore();
      path.startLeading(() -> path.trust().publishKeys(RING));
    }

    void close() {
      api.kill();
      path.close();
    }
  }

  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  /** Runs every background job of every replica and of the API, one task at a time. */
  final DeterministicScheduler scheduler;

  final InMemoryConfigMaps cluster;

  /** Picks how many ready tasks run between two steps: part of the interleaving. */
  private final Random stepRandom;

  /** Token ids (jti) drawn from the seed, so that a replay writes the same bytes. */
  private final SecureRandom tokenIds;

  final ModelNamespaces namespaces = new ModelNamespaces();
  private final Random faultRandom;
  final Map<String, ApiTokenModel> apiTokens = new LinkedHashMap<>();
  final Map<String, String> secrets = new HashMap<>();
  final List<Released> released = new ArrayList<>();
  private final Map<Long, Instant> expiryByIndex = new HashMap<>();

  /** Every index a token was signed with, released or not (a recorded one may be revoked). */
  private final java.util.Set<Long> issuedIndices =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Set<Long> handedOut = new HashSet<>();

  /**
   * Every index the model's reconciler asked to revoke. A revokeAt moved later after it passed
   * leaves the ApiToken not due any more, but what was revoked stays revoked.
   */
  private final Set<Long> revocationsAsked = new HashSet<>();

  private final List<String> trace = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Replica leader;
  private Replica zombie;

  /** How far the clock of replicas started from now on is off. */
  private Duration skew = Duration.ZERO;

  /** Every replica started, for the rollback signal they gave. */
  private final List<Replica> started = new ArrayList<>();

  /** Backups of the whole cluster taken after recent steps, oldest first. */
  private final java.util.ArrayDeque<Backup> backups = new java.util.ArrayDeque<>();

  /** The cluster's ConfigMaps, ApiTokens and Secrets at one moment. */
  private record Backup(
      Map<String, ConfigMap> configMaps,
      Map<String, ApiTokenModel> apiTokens,
      Map<String, String> secrets) {}

  private Backup backup() {
    Map<String, ApiTokenModel> tokens = new LinkedHashMap<>();
    apiTokens.forEach((name, t) -> tokens.put(name, t.copy()));
    return new Backup(cluster.snapshot(), tokens, new HashMap<>(secrets));
  }

  /**
   * A whole-cluster restore happened: the operator can no longer tell what was revoked after the
   * backup (documented), so I1, I2 and I3 give way to the verifier's invariant.
   */
  private boolean clusterRestored;

  private volatile String leaseHolder;
  private int replicas;
  private int uids;
  private boolean statusOutage;
  private final Set<String> damagedWhileStopped = new HashSet<>();
  private final Map<Long, Instant> missingFromStatus = new HashMap<>();
  private volatile InMemoryConfigMaps.Faults faults = InMemoryConfigMaps.Faults.NONE;
  private final AtomicInteger crashCountdown = new AtomicInteger();

  ModelRun(long seed) {
    this.faultRandom = new Random(seed * 31 + 7);
    this.stepRandom = new Random(seed * 131 + 3);
    this.tokenIds = seededRandom(seed);
    this.scheduler = new DeterministicScheduler(clock, new Random(seed * 17 + 5));
    this.cluster = new InMemoryConfigMaps(clock, scheduler, NAMESPACE, "team-a", "tenant-x");
    namespaces.select("team-a");
    cluster.faults(
        call -> {
          Replica l = leader;
          if (l != null
              && call.client().equals(l.id)
              && crashCountdown.get() > 0
              && crashCountdown.decrementAndGet() == 0) {
            l.api.kill();
            return InMemoryConfigMaps.Fault.TIMEOUT_BEFORE;
          }
          return faults.decide(call);
        });
    cluster.timeoutMillis(0);
  }

  /** A SecureRandom whose output is a function of {@code seed} (SHA1PRNG seeded before use). */
  static SecureRandom seededRandom(long seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed);
      return random;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  void run(List<Step> steps) {
    startReplica();
    try {
      for (Step step : steps) {
        reapCrashed();
        trace.add(step.toString());
        apply(step);
        backups.addLast(backup());
        if (backups.size() > 10) {
          backups.removeFirst();
        }
        // Background work interleaves with the next step: how much of it runs first is the seed's.
        scheduler.runReady(stepRandom.nextInt(40));
      }
      settle();
      if (!clusterRestored) {
        checkNoBitCleared();
        checkEveryTokenAccountedFor();
        checkNoTenantEffect();
        checkNoLiveTokenRevoked();
      }
      checkVerifiersNeverUnrevoke();
      if (!clusterRestored) {
        checkVerifiersRejectRevokedTokens();
      }
    } catch (Violation v) {
      throw new Violation(v.getMessage() + "\n  trace: " + trace);
    }
  }

  // ---- steps ----

  private void apply(Step step) {
    Instant now = clock.instant();
    String name = "t" + step.a();
    ApiTokenModel t = apiTokens.get(name);
    switch (step.kind()) {
      case CREATE -> {
        if (t == null) {
          t = new ApiTokenModel(name, "uid-" + (++uids), "svc-" + uids);
          apiTokens.put(name, t);
        }
        reconcile(t);
      }
      case CHANGE_SUBJECT -> {
        if (t != null) {
          t.subject = t.subject + "x";
          reconcile(t);
        }
      }
      case ADVANCE_MINUTES -> {
        clock.advance(Duration.ofMinutes(step.a()));
        maintain();
        List.copyOf(apiTokens.values()).forEach(this::reconcile);
      }
      case REVOKE -> {
        if (t != null) {
          t.revoke = true;
          reconcile(t);
        }
      }
      case REVOKE_AT -> {
        if (t != null) {
          t.revokeAt = now.plus(Duration.ofMinutes(step.b()));
          reconcile(t);
        }
      }
      case DELETE -> {
        if (t != null) {
          t.deleting = true;
          reconcile(t);
        }
      }
      case STRIP_FINALIZER -> {
        // kubectl patch ... finalizers: null, while no operator runs: the ApiToken and its Secret
        // (garbage-collected with its owner) vanish unrevoked.
        if (t != null && leader == null && mayDamage("strip")) {
          apiTokens.remove(name);
          secrets.remove(name);
        }
      }
      case TAMPER_SECRET -> {
        if (t != null && secrets.containsKey(name) && mayDamage("status")) {
          secrets.put(name, "not-a-token");
          reconcile(t);
        }
      }
      case DELETE_SECRET -> {
        if (t != null && mayDamage("status")) {
          secrets.remove(name);
          reconcile(t);
        }
      }
      case LOSE_STATUS -> {
        if (t != null && mayDamage("status")) {
          // A restore rebuilds status from the Secret: earlier tokens are named by records alone.
          missingFromStatus.putAll(t.statusTokens);
          t.statusTokens.clear();
          t.revokedRecorded = false;
        }
      }
      case STATUS_OUTAGE -> statusOutage = step.a() == 1 && mayDamage("status");
      case ADMIN_DELETE, ADMIN_ROLLBACK, ADMIN_EDIT -> admin(step);
      case TENANT_COPY, TENANT_REPLAY, TENANT_ANNOTATIONS -> {
        String ns = Step.TENANT_NAMESPACES[step.a()];
        if (step.kind() != Step.Kind.TENANT_ANNOTATIONS && lastSourceOfARevocation(ns, TRUST)) {
          // Beyond any design: the copy a tenant overwrites is the last one showing a revocation
          // (the store and the operator namespace's copy lost it already).
          break;
        }
        switch (step.kind()) {
          case TENANT_COPY -> tenantCopy(ns);
          case TENANT_REPLAY -> tenantReplay(ns, step.b());
          default -> tenantAnnotations(ns);
        }
      }
      case SKEWED_FAILOVER -> {
        skew = Duration.ofMinutes(step.a());
        count("skewedFailovers");
        failover();
      }
      case RESTORE -> restore(step.a(), step.b());
      case STOP -> stop();
      case START -> {
        if (leader == null) {
          startReplica();
        }
      }
      case RESTART -> {
        stop();
        startReplica();
      }
      case CRASH_AT_CALL -> crashCountdown.set(step.a());
      case FAILOVER -> failover();
      case SELECT -> {
        cluster.createNamespace(Step.TARGETS[step.a()]);
        namespaces.select(Step.TARGETS[step.a()]);
      }
      case DESELECT -> {
        if (!lastSourceOfARevocation(Step.TARGETS[step.a()], TRUST)) {
          namespaces.deselect(Step.TARGETS[step.a()]);
        }
      }
      case DELETE_NAMESPACE -> {
        if (lastSourceOfARevocation(Step.TARGETS[step.a()], TRUST)) {
          break;
        }
        namespaces.deselect(Step.TARGETS[step.a()]);
        cluster.deleteNamespace(Step.TARGETS[step.a()]);
      }
      case FAULTS -> faults = faultsOf(step);
      case FAULTS_OFF -> faults = InMemoryConfigMaps.Faults.NONE;
      case MAINTAIN -> maintain();
    }
  }

  private InMemoryConfigMaps.Faults faultsOf(Step step) {
    InMemoryConfigMaps.Fault fault = InMemoryConfigMaps.Fault.values()[step.a()];
    if (fault == InMemoryConfigMaps.Fault.TOO_LARGE) {
      // One object is refused whatever is written to it: the rest must carry on.
      String refused = List.of("-issued-", "team-b/").get(step.b() % 2);
      return call -> (call.namespace() + "/" + call.name()).contains(refused) ? fault : null;
    }
    int percent = step.b();
    return call -> faultRandom.nextInt(100) < percent ? fault : null;
  }

  /**
   * While stopped, at most two kinds of state are damaged per stop, and never the revocation store
   * together with a copy: losing every source of one fact at once (the store and every copy that
   * shows a bit) is beyond what any design can recover from.
   */
  private boolean mayDamage(String kind) {
    // Damage while running counts too: a crash can come before the repair is written.
    if (damagedWhileStopped.contains(kind)) {
      return true;
    }
    if (damagedWhileStopped.size() >= 2
        || (!kind.equals("records") && isUserSide(kind) && damagedWhileStopped.contains("records"))
        || (kind.equals("records") && damagedWhileStopped.stream().anyMatch(this::isUserSide))) {
      return false;
    }
    if (kind.equals("copy") && damagedWhileStopped.contains("records")
        || kind.equals("records") && damagedWhileStopped.contains("copy")) {
      count("storeAndCopyDamaged");
    }
    damagedWhileStopped.add(kind);
    return true;
  }

  /**
   * True when the object {@code namespace/name} is the last source of a revocation: an index it
   * shows revoked (a revoked issue record, or a bit of a list signed by us in the operator's or a
   * selected namespace) that no other such object shows. Destroying it is beyond any design.
   */
  private boolean lastSourceOfARevocation(String namespace, String name) {
    Map<String, Set<Long>> sources = new TreeMap<>();
    for (ConfigMap m : cluster.all()) {
      String ns = m.getMetadata().getNamespace();
      String key = ns + "/" + m.getMetadata().getName();
      if (NAMESPACE.equals(ns) && componentOf(m).equals("issue-records")) {
        sources.put(key, revokedIn(List.of(m)));
      } else if (componentOf(m).equals("trust")
          && m.getMetadata().getName().equals(TRUST)
          && (NAMESPACE.equals(ns) || namespaces.selected().contains(ns))) {
        sources.put(key, signedRevokedIn(filesOf(ns)));
      }
    }
    String target = namespace + "/" + name;
    for (long index : sources.getOrDefault(target, Set.of())) {
      if (sources.entrySet().stream()
          .noneMatch(e -> !e.getKey().equals(target) && e.getValue().contains(index))) {
        count("lastSourcesSpared");
        return true;
      }
    }
    return false;
  }

  /** The indices revoked in the list signed by us in these copy files (none when not ours). */
  private static Set<Long> signedRevokedIn(Map<String, String> files) {
    Set<Long> revoked = new TreeSet<>();
    String jwt = files.get(TrustDocument.statusListTokenKey(0));
    if (jwt == null) {
      return revoked;
    }
    try {
      StatusList list =
          dev.apitoken.format.status.StatusListToken.parse(
                  jwt, dev.apitoken.format.TrustedKeys.parse(RING.publicJwks()))
              .statusList(0);
      BitSet.valueOf(list.toBytes()).stream().forEach(i -> revoked.add((long) i));
    } catch (RuntimeException notOurs) {
      // a tenant's list: no evidence
    }
    return revoked;
  }

  /**
   * Kinds that take away what the ApiToken side knows of issued tokens (status, Secret, the
   * ApiToken itself): with the issue records lost too, no source is left to name the token.
   */
  private boolean isUserSide(String kind) {
    return kind.equals("strip") || kind.equals("status");
  }

  /** A key no replica of the operator has: the tenant's. */
  private static final dev.apitoken.operator.token.SigningKey TENANT_KEY =
      dev.apitoken.operator.token.KeyRing.create(Instant.EPOCH, new java.security.SecureRandom())
          .activeKey();

  /** Every index of shard 0 revoked, in the JSON file and in a list signed by the tenant's key. */
  private void tenantCopy(String namespace) {
    byte[] bytes = new byte[(1 << 21) / 8];
    java.util.Arrays.fill(bytes, (byte) 0xff);
    StatusList everything = StatusList.ofBytes(1, bytes);
    String uri = TrustDocument.shardUri(SETTINGS.statusListUri(), 0);
    String jwt =
        new dev.apitoken.operator.token.StatusListTokenSigner(
                Duration.ofHours(1), Duration.ofSeconds(30), clock)
            .sign(
                uri,
                1,
                everything.encodeLst(),
                new dev.apitoken.format.status.StatusListToken.Signed(
                    1_000_000_000L, 33_554_431, Map.of()),
                TENANT_KEY)
            .compact();
    ConfigMap current = cluster.get(namespace, TRUST);
    Map<String, String> data =
        new TreeMap<>(current == null || current.getData() == null ? Map.of() : current.getData());
    data.put(TrustDocument.statusListKey(0), StatusListDocument.of(everything, uri).toJson());
    data.put(TrustDocument.statusListTokenKey(0), jwt);
    cluster.tenantWrite(
        namespace,
        TRUST,
        dev.apitoken.operator.kubernetes.Labels.managed("trust"),
        Map.of(
            "apitoken.dev/indices-reserved",
            "33554431",
            "apitoken.dev/revoked-kids",
            "some-kid=" + clock.instant()),
        data);
  }

  /** The copy's files, or none. */
  private Map<String, String> filesOf(String namespace) {
    ConfigMap current = cluster.get(namespace, TRUST);
    return new TreeMap<>(
        current == null || current.getData() == null ? Map.of() : current.getData());
  }

  /** One of our own earlier copies (shard 0, as an operator replica wrote it), written back. */
  private void tenantReplay(String namespace, int versionsBack) {
    List<InMemoryConfigMaps.CopyVersion> ours =
        cluster.trustHistory().stream()
            .filter(v -> v.writer().startsWith("replica-"))
            .filter(v -> TrustDocument.shardOf(TRUST, v.name()) == 0)
            .filter(v -> v.data().containsKey(TrustDocument.statusListTokenKey(0)))
            .toList();
    if (ours.isEmpty()) {
      return;
    }
    InMemoryConfigMaps.CopyVersion old = ours.get(Math.max(0, ours.size() - 1 - versionsBack));
    trace.add("replaying version " + old.resourceVersion() + " of " + old.namespace());
    count("tenantReplays");
    cluster.tenantWrite(
        namespace, TRUST, Labels.managed("trust"), Map.of(), new TreeMap<>(old.data()));
  }

  /** The copy as it is, with the annotations the operator once read back. */
  private void tenantAnnotations(String namespace) {
    cluster.tenantWrite(
        namespace,
        TRUST,
        Labels.managed("trust"),
        Map.of(
            "apitoken.dev/indices-reserved",
            "33554431",
            "apitoken.dev/revoked-kids",
            RING.activeKey().kid() + "=" + clock.instant()),
        filesOf(namespace));
  }

  /**
   * Restores a backup taken {@code back} steps ago: the operator namespace (running or stopped), or
   * every namespace. A restore of the operator namespace while stopped that leaves its stored
   * publication version behind our signed copies in a trusted namespace must be found by the next
   * start, and said (WARN, counter, readiness): {@link RevocationPath#rollbackSeen()}.
   */
  private void restore(int variant, int back) {
    if (backups.size() <= back) {
      return;
    }
    Backup taken = List.copyOf(backups).get(backups.size() - 1 - back);
    Map<String, ConfigMap> backup = taken.configMaps();
    if (variant == 2) {
      // etcd from a snapshot: every ConfigMap, and the ApiTokens and Secrets as they were (a
      // revoked ApiToken not yet revoked, its Secret holding the token again).
      trace.add("whole-cluster restore");
      count("clusterRestores");
      cluster.adminRestore(backup, ns -> true);
      apiTokens.clear();
      taken.apiTokens().forEach((name, t) -> apiTokens.put(name, t.copy()));
      secrets.clear();
      secrets.putAll(taken.secrets());
      clusterRestored = true;
      return;
    }
    if (!damagedWhileStopped.isEmpty()) {
      return;
    }
    if (!revokedIn(cluster.all()).stream()
        .allMatch(i -> revokedIn(backup.values()).contains(i) || shownInASelectedCopy(i))) {
      // Beyond any design (docs/REVOCATION-STATE.md): the restore takes a revocation from the
      // store and from the operator namespace's copy, and no selected namespace's copy shows it.
      return;
    }
    damagedWhileStopped.add("records");
    if (variant == 0) {
      cluster.adminRestore(backup, NAMESPACE::equals);
      count("namespaceRestoresRunning");
      return;
    }
    stop();
    cluster.adminRestore(backup, NAMESPACE::equals);
    long stored = storedPublicationVersion();
    long signed = highestSignedVersionInTrustedCopies();
    startReplica();
    Replica r = leader;
    count("namespaceRestoresStopped");
    if (r != null && signed > stored) {
      count("rollbacksThatMustBeSaid");
      r.path.rollbackSeen().ifPresent(said -> count("rollbacksSaid"));
    }
    if (r != null && signed > stored && r.path.rollbackSeen().isEmpty()) {
      throw new Violation(
          "rollback: the operator namespace was restored to publication version "
              + stored
              + " while copies in trusted namespaces show signed version "
              + signed
              + ", and "
              + r.id
              + " started without saying so (no state_rolled_back)");
    }
  }

  /**
   * Indices revoked in the operator namespace among {@code maps}: in its issue records or in its
   * copy.
   */
  private static Set<Long> revokedIn(java.util.Collection<ConfigMap> maps) {
    Set<Long> revoked = new TreeSet<>();
    for (ConfigMap m : maps) {
      if (!NAMESPACE.equals(m.getMetadata().getNamespace()) || m.getData() == null) {
        continue;
      }
      try {
        if (componentOf(m).equals("issue-records")) {
          IssueRecordShard.decode(m.getData()).records().stream()
              .filter(IssueRecord::revoked)
              .forEach(r -> revoked.add(r.index()));
        } else if (m.getMetadata().getName().equals(TRUST)) {
          StatusList list = statusList(m.getData());
          BitSet bits = list == null ? new BitSet() : BitSet.valueOf(list.toBytes());
          bits.stream().forEach(i -> revoked.add((long) i));
        }
      } catch (RuntimeException unreadable) {
        // damaged: holds nothing
      }
    }
    return revoked;
  }

  /** True when a list signed by us in a selected namespace's copy shows the index revoked. */
  private boolean shownInASelectedCopy(long index) {
    for (String ns : namespaces.selected()) {
      String jwt = filesOf(ns).get(TrustDocument.statusListTokenKey(0));
      if (jwt == null) {
        continue;
      }
      try {
        StatusList list =
            dev.apitoken.format.status.StatusListToken.parse(
                    jwt, dev.apitoken.format.TrustedKeys.parse(RING.publicJwks()))
                .statusList(0);
        if (index < list.size() && list.get(index) == 1) {
          return true;
        }
      } catch (RuntimeException notOurs) {
        // a tenant's list: no evidence
      }
    }
    return false;
  }

  private long storedPublicationVersion() {
    ConfigMap state = cluster.get(NAMESPACE, SETTINGS.stateName());
    String version =
        state == null || state.getData() == null ? null : state.getData().get("published-version");
    try {
      return version == null ? 0 : Long.parseLong(version.strip());
    } catch (NumberFormatException unreadable) {
      return 0;
    }
  }

  /**
   * The highest version of our own signed lists (shard 0) in the operator's and selected
   * namespaces.
   */
  private long highestSignedVersionInTrustedCopies() {
    Set<String> trusted = new TreeSet<>(namespaces.selected());
    trusted.add(NAMESPACE);
    long highest = 0;
    for (String ns : trusted) {
      String jwt = filesOf(ns).get(TrustDocument.statusListTokenKey(0));
      if (jwt == null) {
        continue;
      }
      try {
        highest =
            Math.max(
                highest,
                dev.apitoken.format.status.StatusListToken.parse(
                        jwt, dev.apitoken.format.TrustedKeys.parse(RING.publicJwks()))
                    .version());
      } catch (RuntimeException notOurs) {
        // a tenant's list: no evidence
      }
    }
    return highest;
  }

  /**
   * No action outside the ApiTokens revokes a token: the current token of every ApiToken that is
   * live and not being revoked was never revoked in any version of any copy the operator wrote.
   */
  private void checkNoLiveTokenRevoked() {
    Instant now = clock.instant();
    Map<Long, String> live = new TreeMap<>();
    for (ApiTokenModel t : apiTokens.values()) {
      String value = secrets.get(t.name);
      if (value != null && !t.revocationDue(now)) {
        TokenReader.verify(value, RING)
            .filter(c -> !revocationsAsked.contains(c.statusIndex()))
            .ifPresent(c -> live.put(c.statusIndex(), t.name));
      }
    }
    for (InMemoryConfigMaps.CopyVersion v : cluster.trustHistory()) {
      if (!v.writer().startsWith("replica-") || TrustDocument.shardOf(TRUST, v.name()) != 0) {
        continue;
      }
      StatusList list = statusListOf(v);
      if (list == null) {
        continue;
      }
      for (var e : live.entrySet()) {
        if (e.getKey() < list.size() && list.get(e.getKey()) == 1) {
          throw new Violation(
              "verdict: the current token (index "
                  + e.getKey()
                  + ") of "
                  + e.getValue()
                  + ", live and not revoked, is revoked in "
                  + v.namespace()
                  + "/"
                  + v.name()
                  + " version "
                  + v.resourceVersion()
                  + " written by "
                  + v.writer());
        }
      }
    }
  }

  /**
   * A workload in every namespace runs the verifier library over its copy, fed every version the
   * copy had (whoever wrote it), with the operator's pinned keys: it never treats an index as valid
   * again once it saw it revoked in a list it accepted, a whole-cluster restore included.
   */
  private final Map<String, dev.apitoken.verifier.ModelVerifier> workloads = new TreeMap<>();

  /**
   * After settling, the workloads of every target namespace (their verifier fed every version of
   * the copy) reject every released, unexpired token whose ApiToken is revoked or gone.
   */
  private void checkVerifiersRejectRevokedTokens() {
    Instant now = clock.instant();
    Set<String> targets = new TreeSet<>(namespaces.selected());
    targets.removeIf(ns -> !cluster.namespaceExists(ns));
    targets.add(NAMESPACE);
    for (Released r : released) {
      if (!r.expiresAt().isAfter(now)) {
        continue;
      }
      ApiTokenModel owner = apiTokens.get(r.apiToken());
      if (owner != null && owner.uid.equals(r.uid()) && !owner.revocationDue(now)) {
        continue;
      }
      for (String ns : targets) {
        var verifier = workloads.get(ns);
        if (verifier != null && !verifier.rejects(r.index(), now.toEpochMilli())) {
          throw new Violation(
              "verifier: token index "
                  + r.index()
                  + " of "
                  + r.apiToken()
                  + " ("
                  + r.uid()
                  + ") is revoked in the copies but accepted by the workload in "
                  + ns
                  + " (lists accepted "
                  + verifier.accepted()
                  + ", refused "
                  + verifier.refused()
                  + ")");
        }
      }
    }
  }

  private void checkVerifiersNeverUnrevoke() {
    try {
      feedVerifiers();
    } finally {
      workloads.values().forEach(w -> count("verifierListsAccepted", w.accepted()));
      workloads.values().forEach(w -> count("verifierListsRefused", w.refused()));
    }
  }

  private void feedVerifiers() {
    workloads.clear();
    String uri = TrustDocument.shardUri(SETTINGS.statusListUri(), 0);
    for (InMemoryConfigMaps.CopyVersion v : cluster.trustHistory()) {
      if (TrustDocument.shardOf(TRUST, v.name()) != 0) {
        continue;
      }
      var verifier =
          workloads.computeIfAbsent(
              v.namespace(), ns -> new dev.apitoken.verifier.ModelVerifier(RING.publicJwks(), uri));
      long at = v.at().toEpochMilli();
      verifier.mounted(v.data(), at);
      count("verifierCopyVersions");
      long unrevoked = verifier.unrevoked(at);
      if (unrevoked >= 0) {
        throw new Violation(
            "verifier: index "
                + unrevoked
                + " seen revoked in "
                + v.namespace()
                + " is valid again after version "
                + v.resourceVersion()
                + " written by "
                + v.writer());
      }
    }
  }

  /**
   * No tenant action changes a verdict: every bit any operator-written copy ever showed belongs to
   * an index the operator issued, and every index issued lies in the first shard (a tenant's
   * reservation would push new indices to the end of the index space).
   */
  private void checkNoTenantEffect() {
    for (InMemoryConfigMaps.CopyVersion v : cluster.trustHistory()) {
      if (v.writer().equals("admin")
          || v.writer().equals("tenant")
          || TrustDocument.shardOf(TRUST, v.name()) != 0
          || v.data().get(TrustDocument.statusListKey(0)) == null) {
        continue;
      }
      StatusList list = statusListOf(v);
      BitSet bits = list == null ? new BitSet() : BitSet.valueOf(list.toBytes());
      for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
        if (!issuedIndices.contains((long) i)) {
          throw new Violation(
              "tenant: index "
                  + i
                  + " is revoked in "
                  + v.namespace()
                  + "/"
                  + v.name()
                  + " version "
                  + v.resourceVersion()
                  + " written by "
                  + v.writer()
                  + " but was never issued");
        }
      }
    }
    for (long index : issuedIndices) {
      if (index >= IndexSpace.COPY_SHARD_SIZE) {
        throw new Violation("tenant: index " + index + " was handed out beyond the first shard");
      }
    }
  }

  private void admin(Step step) {
    // The ledger's content is in the revocation store now: damage to either is damage to it.
    String kind = Step.OBJECTS[step.a()].equals("ledger") ? "records" : Step.OBJECTS[step.a()];
    List<ConfigMap> candidates =
        cluster.all().stream()
            .filter(m -> componentOf(m).equals(componentFor(kind)))
            .filter(m -> !kind.equals("state") || m.getMetadata().getName().endsWith("-state"))
            .toList();
    if (candidates.isEmpty()) {
      return;
    }
    ConfigMap target = candidates.get(step.b() % candidates.size());
    if (lastSourceOfARevocation(target.getMetadata().getNamespace(), target.getMetadata().getName())
        || !mayDamage(kind)) {
      return;
    }
    String ns = target.getMetadata().getNamespace();
    String name = target.getMetadata().getName();
    switch (step.kind()) {
      case ADMIN_DELETE -> cluster.adminDelete(ns, name);
      case ADMIN_ROLLBACK -> cluster.adminRollback(ns, name, 1 + step.b() % 3);
      default ->
          cluster.adminEdit(
              ns,
              name,
              data -> {
                Map<String, String> edited = new TreeMap<>(data);
                if (step.b() % 2 == 0) {
                  edited.replaceAll((k, v) -> k.endsWith(".json") ? cleared(v) : "garbage");
                } else {
                  edited.clear();
                  edited.put("note", "edited by hand");
                }
                return edited;
              });
    }
  }

  /** The same status list with every bit 0 (other files unchanged). */
  private static String cleared(String json) {
    try {
      StatusListDocument doc = StatusListDocument.parse(json);
      return StatusListDocument.of(new StatusList(1, doc.statusList().size()), doc.uri()).toJson();
    } catch (RuntimeException notAStatusList) {
      return json;
    }
  }

  /** The settings every replica of the model (and the tests built on it) runs with. */
  static RevocationPath.Settings settings() {
    return SETTINGS;
  }

  private static String componentOf(ConfigMap map) {
    Map<String, String> labels = map.getMetadata().getLabels();
    return labels == null ? "" : labels.getOrDefault(Labels.COMPONENT, "");
  }

  private static String componentFor(String kind) {
    return switch (kind) {
      case "records" -> "issue-records";
      case "state" -> "state";
      default -> "trust";
    };
  }

  // ---- replicas ----

  private boolean repairsStored(Replica r) {
    return scheduler.runUntil(() -> r.path.store().pendingShards() == 0, Duration.ofSeconds(2));
  }

  /** Every released, unexpired token whose ApiToken is gone is revoked in the stored records. */
  private boolean orphansRevoked(Replica r) {
    Instant now = clock.instant();
    return released.stream()
        .filter(t -> t.expiresAt().plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(now))
        .filter(
            t ->
                !apiTokens.containsKey(t.apiToken())
                    || !apiTokens.get(t.apiToken()).uid.equals(t.uid()))
        .allMatch(t -> r.path.store().durable().isRevoked(t.index()));
  }

  private boolean statusLacksAValidToken() {
    Instant now = clock.instant();
    return missingFromStatus.values().stream()
        .anyMatch(exp -> exp.plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(now));
  }

  /**
   * A new leader repairs what it knows; an issue record rolled back or deleted just before a
   * fail-over is known only to the ApiToken side (status, Secret) until a reconcile records it
   * again. Damage to the records ends only when they name every released, unexpired token.
   */
  private boolean storedRecordsNameEveryReleasedToken() {
    Set<Long> stored = new HashSet<>();
    for (ConfigMap m : cluster.all()) {
      if (componentOf(m).equals("issue-records") && m.getData() != null) {
        try {
          IssueRecordShard.decode(m.getData()).records().forEach(rec -> stored.add(rec.index()));
        } catch (RuntimeException unreadable) {
          return false;
        }
      }
    }
    Instant now = clock.instant();
    return released.stream()
        .filter(t -> t.expiresAt().plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(now))
        .allMatch(t -> stored.contains(t.index()));
  }

  private void startReplica() {
    Replica r = new Replica("replica-" + (++replicas));
    started.add(r);
    leaseHolder = r.id;
    try {
      r.start();
      trace.add("started " + r.id);
      leader = r;
      // JOSDK reconciles every ApiToken when the controller starts.
      List.copyOf(apiTokens.values()).forEach(this::reconcile);
      // A start repairs the store and copies (and revokes orphans), but only once those
      // writes are stored: a crash before that leaves the damage in place, so it keeps counting
      // until then. The index counter is rewritten only at the next block reservation.
      if (repairsStored(r) && storedRecordsNameEveryReleasedToken()) {
        // A status outage still going on keeps taking status away as a source, and so does a
        // token it kept out of status, until that token has expired.
        Set<String> still =
            new HashSet<>(
                statusOutage || statusLacksAValidToken()
                    ? Set.of("state", "status")
                    : Set.of("state"));
        if (!orphansRevoked(r)) {
          // A stripped ApiToken's tokens are named by the issue records alone until the orphan
          // sweep has stored their revocation (a start whose sweep failed has not).
          still.add("strip");
        }
        damagedWhileStopped.retainAll(still);
      }
    } catch (RuntimeException failedStart) {
      // A process whose start fails exits; the next start is a new process.
      trace.add("start failed " + r.id + ": " + failedStart);
      r.close();
      leader = null;
    }
  }

  private void stop() {
    if (leader != null) {
      leader.close();
      leader = null;
    }
    crashCountdown.set(0);
  }

  private void reapCrashed() {
    if (leader != null && !leader.api.alive()) {
      leader.close();
      leader = null;
    }
  }

  /**
   * The Lease moves to a new replica; the old one keeps running, fenced, until it is reaped. As
   * with a real Lease (renew deadline 10 s < lease duration 15 s), the old leader has stopped
   * writing before another can take over: its fence refuses from its next write on, and the round
   * it may be in the middle of has ended (a copy write already sent is not taken back).
   */
  private void failover() {
    if (zombie != null) {
      zombie.close();
      zombie = null;
    }
    Replica old = leader;
    leader = null;
    leaseHolder = null;
    if (old != null) {
      TrustPublisher publisher = old.path.trust();
      if (publisher != null) {
        synchronized (publisher) {
          // publishNow holds this monitor for a whole round: none is in flight any more.
        }
      }
    }
    startReplica();
    zombie = old;
  }

  private void maintain() {
    if (leader != null) {
      leader.path.maintain();
    }
  }

  // ---- the reconciler ----

  private void reconcile(ApiTokenModel t) {
    Replica r = leader;
    if (r == null || !r.api.alive() || !apiTokens.containsKey(t.name)) {
      return;
    }
    Instant now = clock.instant();
    try {
      if (t.revocationDue(now)) {
        revoke(r, t, now);
      } else {
        ensureToken(r, t, now);
      }
    } catch (RuntimeException failed) {
      // the reconcile fails and is retried later, as JOSDK does
    }
  }

  private void revoke(Replica r, ApiTokenModel t, Instant now) {
    Map<Long, IssueRecord> byIndex = new TreeMap<>();
    var revocations = r.path.revocations();
    revocations.issuedTo(t.uid).forEach(rec -> byIndex.put(rec.index(), rec));
    t.statusTokens.forEach(
        (index, exp) ->
            byIndex.putIfAbsent(
                index, new IssueRecord(index, exp, t.uid, "apps", t.name, null, false)));
    Optional.ofNullable(secrets.get(t.name))
        .flatMap(v -> TokenReader.verify(v, RING))
        .ifPresent(
            c ->
                byIndex.putIfAbsent(
                    c.statusIndex(),
                    new IssueRecord(
                        c.statusIndex(), c.expiresAt(), t.uid, "apps", t.name, c.jti(), false)));
    List<IssueRecord> tokens =
        byIndex.values().stream()
            .filter(rec -> rec.expiresAt().plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(now))
            .toList();
    tokens.forEach(rec -> revocationsAsked.add(rec.index()));
    if (!written(revocations.record(tokens))) {
      return;
    }
    List<Long> indices = tokens.stream().map(IssueRecord::index).toList();
    boolean published = revocations.isPublished(indices);
    if (t.deleting) {
      if (published) {
        secrets.remove(t.name);
        apiTokens.remove(t.name);
      }
      return;
    }
    secrets.remove(t.name);
    if (!statusOutage) {
      t.revokedRecorded = published;
    }
  }

  private void ensureToken(Replica r, ApiTokenModel t, Instant now) {
    var revocations = r.path.revocations();
    Optional<SignedToken> inSecret =
        Optional.ofNullable(secrets.get(t.name)).flatMap(v -> TokenReader.verifiedToken(v, RING));
    boolean due =
        inSecret.isEmpty()
            || !inSecret.get().claims().subject().equals(t.subject)
            || !now.isBefore(inSecret.get().claims().expiresAt().minus(RENEW_BEFORE));
    SignedToken token;
    if (due && inSecret.isPresent()) {
      // As TokenIssuance: the token being replaced stays listed in status, whatever its subject.
      TokenClaims replaced = inSecret.get().claims();
      if (statusOutage) {
        // Never listed in status: from now on its issue record is the only source that names it.
        missingFromStatus.put(replaced.statusIndex(), replaced.expiresAt());
      } else {
        t.statusTokens.put(replaced.statusIndex(), replaced.expiresAt());
      }
    }
    if (due) {
      token =
          r.issuer.issue(
              new DesiredToken(
                  "https://issuer.example",
                  t.subject,
                  List.of("api"),
                  List.of(),
                  TTL,
                  RENEW_BEFORE));
      long index = token.claims().statusIndex();
      trace.add("signed " + index + " by " + r.id + " for " + t.name);
    } else {
      token = inSecret.get();
    }
    TokenClaims claims = token.claims();
    issuedIndices.add(claims.statusIndex());
    if (!revocations.isRecorded(claims.statusIndex())) {
      IssueRecord record =
          new IssueRecord(
              claims.statusIndex(), claims.expiresAt(), t.uid, "apps", t.name, claims.jti(), false);
      if (!written(revocations.recordIssued(record))) {
        return;
      }
    }
    if (due) {
      // I3 counts tokens that were released: a token lost with its process before its issue
      // record was written reached no one, and its index may be handed out again harmlessly.
      if (!handedOut.add(claims.statusIndex()) && !clusterRestored) {
        throw new Violation("I3: index " + claims.statusIndex() + " released twice");
      }
      expiryByIndex.put(claims.statusIndex(), claims.expiresAt());
      secrets.put(t.name, token.value());
      released.add(new Released(t.uid, t.name, claims.statusIndex(), claims.expiresAt()));
    }
    if (!statusOutage) {
      t.statusTokens.put(claims.statusIndex(), claims.expiresAt());
    }
  }

  private boolean written(CompletableFuture<Void> write) {
    return scheduler.runUntil(write::isDone, Duration.ofMillis(WAIT_MILLIS))
        && !write.isCompletedExceptionally();
  }

  // ---- settling and invariants ----

  /** Faults stop; within 30 s every revocation and deletion completes (I5). */
  private long settleMillis;

  /** I5's bound; shrinking uses a shorter one so that many candidate runs stay affordable. */
  static volatile int settleSeconds = 30;

  private void settle() {
    Instant t0 = clock.instant();
    try {
      settleUntilDone();
    } finally {
      settleMillis = Duration.between(t0, clock.instant()).toMillis();
    }
  }

  private void settleUntilDone() {
    faults = InMemoryConfigMaps.Faults.NONE;
    crashCountdown.set(0);
    statusOutage = false;
    reapCrashed();
    if (zombie != null) {
      zombie.close();
      zombie = null;
    }
    // I5's 30 s are model time: the clock moves only by the waits and timers of the run.
    Instant deadline = clock.instant().plusSeconds(settleSeconds);
    String last = "";
    while (!clock.instant().isAfter(deadline)) {
      if (leader == null || !leader.api.alive()) {
        reapCrashed();
        startReplica();
      } else {
        apiTokens.values().stream().toList().forEach(this::reconcile);
        last = unsettled();
        if (last.isEmpty()) {
          return;
        }
        maintain();
      }
      scheduler.runFor(Duration.ofMillis(10));
    }
    throw new Violation("I5: not settled " + settleSeconds + " s after faults stopped: " + last);
  }

  /** What is not yet as it must end; empty when settled. */
  private String unsettled() {
    Instant now = clock.instant();
    for (ApiTokenModel t : apiTokens.values()) {
      if (t.deleting) {
        return t.name + " still being deleted";
      }
      if (t.revocationDue(now)) {
        if (secrets.containsKey(t.name) || !t.revokedRecorded) {
          return t.name + " revocation not published";
        }
      } else if (!secrets.containsKey(t.name)) {
        return t.name + " has no token";
      }
    }
    return clusterRestored ? "" : notRevokedEverywhere();
  }

  /** I2: every released, unexpired token is held by a live, unrevoked ApiToken or revoked. */
  private String notRevokedEverywhere() {
    Instant now = clock.instant();
    Set<String> targets = new TreeSet<>(namespaces.selected());
    targets.removeIf(ns -> !cluster.namespaceExists(ns));
    targets.add(NAMESPACE);
    Map<String, StatusList> copies = new TreeMap<>();
    for (ConfigMap map : cluster.all()) {
      if (componentOf(map).equals("trust")
          && TrustDocument.shardOf(TRUST, map.getMetadata().getName()) == 0) {
        copies.put(map.getMetadata().getNamespace(), statusList(map.getData()));
      }
    }
    for (String ns : targets) {
      if (!copies.containsKey(ns)) {
        return "no copy in " + ns;
      }
    }
    for (Released r : released) {
      if (!r.expiresAt().isAfter(now)) {
        continue;
      }
      ApiTokenModel owner = apiTokens.get(r.apiToken());
      if (owner != null && owner.uid.equals(r.uid()) && !owner.revocationDue(now)) {
        continue;
      }
      for (var copy : copies.entrySet()) {
        StatusList list = copy.getValue();
        if (list == null || r.index() >= list.size() || list.get(r.index()) != 1) {
          return "I2: token index "
              + r.index()
              + " of "
              + r.apiToken()
              + " ("
              + r.uid()
              + ") accepted by the copy in "
              + copy.getKey();
        }
      }
    }
    return "";
  }

  /** Lists decoded from copy versions (each version's data is one immutable map). */
  private final Map<Map<String, String>, StatusList> decoded = new java.util.IdentityHashMap<>();

  private StatusList statusListOf(InMemoryConfigMaps.CopyVersion v) {
    if (!decoded.containsKey(v.data())) {
      decoded.put(v.data(), statusList(v.data()));
    }
    return decoded.get(v.data());
  }

  private static StatusList statusList(Map<String, String> data) {
    try {
      return StatusListDocument.parse(data.get(TrustDocument.statusListKey(0))).statusList();
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /**
   * I1 on every version the operator wrote of every copy: a bit once 1 in any copy stays 1 in every
   * later version of every copy while its token can still be accepted.
   */
  private void checkNoBitCleared() {
    Map<Long, InMemoryConfigMaps.CopyVersion> firstSetIn = new TreeMap<>();
    for (InMemoryConfigMaps.CopyVersion v : cluster.trustHistory()) {
      if (v.writer().equals("admin")
          || v.writer().equals("tenant")
          || TrustDocument.shardOf(TRUST, v.name()) != 0
          || v.data().get(TrustDocument.statusListKey(0)) == null) {
        continue;
      }
      StatusList list = statusListOf(v);
      if (list == null) {
        throw new Violation("I1: " + v.namespace() + "/" + v.name() + " written unreadable");
      }
      for (var e : firstSetIn.entrySet()) {
        long index = e.getKey();
        Instant exp = expiryByIndex.get(index);
        boolean mayStillBeAccepted =
            exp != null && exp.plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(v.at());
        if (mayStillBeAccepted && (index >= list.size() || list.get(index) != 1)) {
          throw new Violation(
              "I1: index "
                  + index
                  + " was 1 in "
                  + e.getValue().namespace()
                  + "/"
                  + e.getValue().name()
                  + " version "
                  + e.getValue().resourceVersion()
                  + " written by "
                  + e.getValue().writer()
                  + " and is 0 in "
                  + v.namespace()
                  + "/"
                  + v.name()
                  + " version "
                  + v.resourceVersion()
                  + " written by "
                  + v.writer());
        }
      }
      BitSet bits = BitSet.valueOf(list.toBytes());
      for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
        if (expiryByIndex.containsKey((long) i)) {
          firstSetIn.putIfAbsent((long) i, v);
        }
      }
    }
  }

  private void checkEveryTokenAccountedFor() {
    String problem = notRevokedEverywhere();
    if (!problem.isEmpty()) {
      throw new Violation(problem);
    }
  }

  String summary() {
    long revoked =
        released.stream()
            .filter(
                r ->
                    !apiTokens.containsKey(r.apiToken())
                        || apiTokens.get(r.apiToken()).revocationDue(clock.instant()))
            .count();
    return "released="
        + released.size()
        + " revokedOrGone="
        + revoked
        + " copyVersions="
        + cluster.trustHistory().size()
        + " replicas="
        + replicas
        + " settleMs="
        + settleMillis;
  }

  @Override
  public void close() {
    if (zombie != null) {
      zombie.close();
    }
    if (leader != null) {
      leader.close();
    }
    cluster.close();
  }
}
