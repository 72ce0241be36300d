package dev.apitoken.operator;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.publish.SelectedNamespaces;
import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.reconcile.ApiTokenReconciler;
import dev.apitoken.operator.reconcile.EventRecorder;
import dev.apitoken.operator.reconcile.PublishedRevocations;
import dev.apitoken.operator.reconcile.SigningKeyGate;
import dev.apitoken.operator.reconcile.SpecResolver;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.operator.reconcile.TokenStates;
import dev.apitoken.operator.runtime.DaemonThreads;
import dev.apitoken.operator.runtime.LeaseWatch;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.runtime.OperatorStatus;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.store.Fabric8ConfigMaps;
import dev.apitoken.operator.store.Fence;
import dev.apitoken.operator.store.KeyRingSecretStore;
import dev.apitoken.operator.store.LeaseFence;
import dev.apitoken.operator.store.RevocationStore;
import dev.apitoken.operator.store.Scheduling;
import dev.apitoken.operator.token.IndexAllocator;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.ReissueBudget;
import dev.apitoken.operator.token.TokenIssuer;
import dev.apitoken.operator.token.TokenReader;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole operator, wired once: production ({@link Main}) and the embedded run (demo/) use this
 * same class and differ only in the client and configuration they pass in.
 */
public final class ApiTokenOperator implements AutoCloseable, OperatorStatus {
  private static final Logger LOG = LoggerFactory.getLogger(ApiTokenOperator.class);

  /** Indices reserved per write of the index counter: one API write per this many tokens. */
  static final int INDEX_BLOCK_SIZE = 1024;

  /** Within the chart's 30 s termination grace period, leaving time to release the Lease. */
  static final Duration RECONCILIATION_TERMINATION_TIMEOUT = Duration.ofSeconds(20);

  private final KubernetesClient client;
  private final OperatorConfig config;
  private final Tuning tuning;
  private final Clock clock;
  private final SecureRandom random;
  private final OperatorMetrics metrics;
  private final TokenStates states = new TokenStates();
  private volatile boolean leading;
  private volatile boolean closing;
  private final Object leadershipLock = new Object();
  private final ScheduledExecutorService maintenance =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("keyring-maintenance"));
  private EventRecorder events;
  private volatile KeyRingSecretStore keyRing;
  private volatile SigningKeyGate signingKeyGate;
  private volatile TrustPublisher trust;
  private RevocationStore store;
  private RevocationPath revocationPath;
  private final String identity =
      System.getenv().getOrDefault("HOSTNAME", "apitoken-operator")
          + "-"
          + java.util.UUID.randomUUID();
  private volatile Operator operator;
  private volatile LeaseWatch leaseWatch;

  /** Knobs that are not user configuration: tests shorten them. */
  public record Tuning(Duration maxResync, Duration maintenancePeriod, boolean exitOnStopLeading) {
    public static Tuning production() {
      return new Tuning(Duration.ofMinutes(10), Duration.ofMinutes(1), true);
    }
  }

  public ApiTokenOperator(
      KubernetesClient client,
      OperatorConfig config,
      Tuning tuning,
      Clock clock,
      SecureRandom random,
      OperatorMetrics metrics) {
    this.client = client;
    this.config = config;
    this.tuning = tuning;
    this.clock = clock;
    this.random = random;
    this.metrics = metrics;
  }

  public synchronized void start() {
    String namespace = config.operatorNamespace();
    ConfigMapApi configMaps = new Fabric8ConfigMaps(client);
    Fence fence =
        config.leaderElection()
            ? new LeaseFence(
                client, namespace, config.leaseName(), identity, () -> leading, Clock.systemUTC())
            : () -> leading;
    revocationPath =
        new RevocationPath(
            configMaps,
            new SelectedNamespaces(client, config.targetNamespaceSelector()),
            fence,
            clock,
            new RevocationPath.Settings(
                namespace,
                config.trustConfigMapName(),
                config.issueRecordsConfigMapPrefix(),
                config.stateConfigMapName(),
                config.statusListUri(),
                config.maxTtl(),
                config.statusListValidity(),
                config.statusListTtl()),
            metrics,
            this::liveApiTokenUids,
            Scheduling.THREADS);
    revocationPath.tokensInUse(this::indexBoundInTokenSecrets);
    store = revocationPath.store();
    trust = revocationPath.trust();
    events = new EventRecorder(client, clock);
    ConfigMap trustInOwnNamespace =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(config.trustConfigMapName())
            .withNamespace(namespace)
            .endMetadata()
            .build();
    store.onDisagreement(
        (source, missing) ->
            events.record(
                trustInOwnNamespace,
                EventRecorder.WARNING,
                "RevocationSourceDisagrees",
                source
                    + " held "
                    + missing
                    + " revocation(s) the revocation store lacked; they were restored (check who edited or"
                    + " restored the operator's ConfigMaps)"));
    revocationPath.onRollback(
        message ->
            events.record(
                trustInOwnNamespace, EventRecorder.WARNING, "OperatorStateRolledBack", message));
    keyRing =
        new KeyRingSecretStore(
            client,
            config,
            clock,
            random,
            ring -> {
              metrics.keyRingChanged(ring.activeKey().createdAt(), ring.keys().size());
              trust.publishKeys(ring);
              wakeTokensOfRevokedKeys();
            },
            (secret, reason, message) ->
                events.record(secret, EventRecorder.WARNING, reason, message),
            revocationPath.revokedKidRecords(() -> keyRing.revokedKids()));
    keyRing.fence(fence);
    SigningKeyGate signingKeyGate = new SigningKeyGate(trust::keyPublishedEverywhere);
    this.signingKeyGate = signingKeyGate;
    metrics.tokensByState(states::counts);
    metrics.leader(() -> leading);

    revocationPath.startIndexStore();
    keyRing.start();

    IndexAllocator indices = new IndexAllocator(revocationPath.indexStore(), INDEX_BLOCK_SIZE);
    TokenIssuer issuer =
        new TokenIssuer(config.statusListUri(), keyRing::activeKey, indices, random, clock);
    PublishedRevocations revocations = revocationPath.revocations();
    ApiTokenReconciler reconciler =
        new ApiTokenReconciler(
            new SpecResolver(config),
            issuer,
            keyRing::current,
            events,
            revocations,
            metrics,
            states,
            clock,
            tuning.maxResync(),
            signingKeyGate,
            new ReissueBudget(
                config.keyLossReissueLimit(), config.keyLossReissueInterval(), clock));

    trust.onPublished(
        () -> {
          signingKeyGate.published();
          reconciler.published();
        });

    operator =
        new Operator(
            overrider -> {
              overrider
                  .withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  // Server-side apply off, one code path for tests and production: Fabric8's
                  // mock API answers apply patches 415. On a real API server SSA works (with patch
                  // on Secrets granted) but saves no request per token; see docs/PERFORMANCE.md.
                  .withUseSSAToPatchPrimaryResource(false)
                  .withSSABasedCreateUpdateMatchForDependentResources(false)
                  .withMetrics(OperatorMetrics.josdk(metrics.registry()))
                  // Let an in-flight reconciliation (a revocation being recorded) finish on stop.
                  .withReconciliationTerminationTimeout(RECONCILIATION_TERMINATION_TIMEOUT);
              if (config.leaderElection()) {
                overrider.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            config.leaseName())
                        .withLeaseNamespace(namespace)
                        .withIdentity(identity)
                        // JOSDK would call System.exit on the thread that stops leading, which
                        // on shutdown is the shutdown hook itself: the JVM would never exit.
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(
                            new LeaderCallbacks(this::startLeading, this::stopLeading, id -> {}))
                        .build());
              }
            });
    operator.register(
        reconciler,
        overrider -> {
          if (!config.watchesAllNamespaces()) {
            overrider.settingNamespaces(config.watchNamespaces());
          }
        });
    if (!config.leaderElection()) {
      startLeading();
    }
    operator.start();
    if (config.leaderElection()) {
      leaseWatch =
          new LeaseWatch(
                  () -> client.leases().inNamespace(namespace).withName(config.leaseName()).get(),
                  () -> leading,
                  Clock.systemUTC())
              .start();
    }
    long period = tuning.maintenancePeriod().toMillis();
    maintenance.scheduleWithFixedDelay(this::maintain, period, period, TimeUnit.MILLISECONDS);
    LOG.info(
        "{} {} {} {} {} {} {}",
        kv("event", "started"),
        kv("issuer", config.issuer()),
        kv("namespace", namespace),
        kv("watch", config.watchesAllNamespaces() ? "all" : config.watchNamespaces()),
        kv("active_kid", keyRing.current().activeKey().kid()),
        kv("revoked", store.durable().size()),
        kv("identity", identity));
  }

  /**
   * After a key compromise, wakes every ApiToken whose current token a revoked key signed, so each
   * is reissued (rate-limited) now rather than at its next resync.
   */
  private void wakeTokensOfRevokedKeys() {
    SigningKeyGate gate = signingKeyGate;
    KeyRingSecretStore store = keyRing;
    if (gate == null || store == null || store.revokedKids().isEmpty()) {
      return;
    }
    Set<String> revoked = store.revokedKids().kids();
    try {
      gate.wake(
          listApiTokens().stream()
              .filter(t -> t.getStatus() != null && revoked.contains(t.getStatus().getKeyId()))
              .toList());
    } catch (RuntimeException e) {
      LOG.warn("{} {}", kv("event", "key_revocation_wake_failed"), kv("error", Failures.brief(e)));
    }
  }

  private List<ApiToken> listApiTokens() {
    var apiTokens = client.resources(ApiToken.class);
    return config.watchesAllNamespaces()
        ? apiTokens.inAnyNamespace().list().getItems()
        : config.watchNamespaces().stream()
            .flatMap(ns -> apiTokens.inNamespace(ns).list().getItems().stream())
            .toList();
  }

  /**
   * One past the highest index of a token in a token Secret the operator can see, counted only when
   * the key ring verifies it (a Secret anyone labels like ours moves nothing), read from the API
   * server.
   */
  private long indexBoundInTokenSecrets() {
    var secrets = client.secrets();
    List<Secret> all =
        config.watchesAllNamespaces()
            ? secrets
                .inAnyNamespace()
                .withLabelSelector(TokenSecretDependent.SELECTOR)
                .list()
                .getItems()
            : config.watchNamespaces().stream()
                .flatMap(
                    ns ->
                        secrets
                            .inNamespace(ns)
                            .withLabelSelector(TokenSecretDependent.SELECTOR)
                            .list()
                            .getItems()
                            .stream())
                .toList();
    KeyRing ring = keyRing.current();
    long bound = 0;
    for (Secret secret : all) {
      String encoded =
          secret.getData() == null ? null : secret.getData().get(TokenSecretDependent.TOKEN_KEY);
      if (encoded == null) {
        continue;
      }
      try {
        String value = new String(Base64.getDecoder().decode(encoded), StandardCharsets.US_ASCII);
        bound =
            Math.max(
                bound, TokenReader.verify(value, ring).map(c -> c.statusIndex() + 1).orElse(0L));
      } catch (IllegalArgumentException notBase64) {
        // not a token of ours
      }
    }
    return bound;
  }

  /** Uids of every ApiToken that exists now, read from the API server. */
  private Set<String> liveApiTokenUids() {
    var apiTokens = client.resources(ApiToken.class);
    List<ApiToken> all =
        config.watchesAllNamespaces()
            ? apiTokens.inAnyNamespace().list().getItems()
            : config.watchNamespaces().stream()
                .flatMap(ns -> apiTokens.inNamespace(ns).list().getItems().stream())
                .toList();
    Set<String> uids = new HashSet<>();
    for (ApiToken t : all) {
      uids.add(ApiTokenReconciler.ownerUid(t));
    }
    return uids;
  }

  /**
   * Only the leader writes operator state and the trust ConfigMaps: a standby's view could be
   * stale, and two publishers would undo each other's writes. JOSDK runs this before it starts the
   * controllers, so reconciliation always finds the revocation path running. Every copy of the
   * revocation state is read and merged before anything is published.
   */
  private void startLeading() {
    synchronized (leadershipLock) {
      leading = true;
      revocationPath.startLeading(
          () -> {
            // From now on this replica repairs the key ring; then rotation and pruning run.
            keyRing.startWriting();
            maintainKeys();
          });
    }
  }

  /**
   * The Lease was lost (not renewed in time, or taken): another replica may lead now, so this one
   * exits unless it is already stopping. The exit runs on its own thread, because the shutdown
   * hooks it starts wait for the thread that called it.
   */
  private void stopLeading() {
    leading = false;
    if (tuning.exitOnStopLeading() && !closing) {
      LOG.warn("{}", kv("event", "lease_lost_exiting"));
      new Thread(() -> System.exit(1), "exit-on-lost-lease").start();
    }
  }

  /**
   * On schedule: key rotation and pruning, forgetting long-expired revocations and records, and a
   * resync of every copy of the revocation state (re-read, merged, orphans revoked).
   */
  public void maintain() {
    if (!leading) {
      return;
    }
    maintainKeys();
    revocationPath.maintain();
  }

  public TrustPublisher trustPublisher() {
    return trust;
  }

  public RevocationStore revocationStore() {
    return store;
  }

  /** Rotates and prunes signing keys on schedule, so rotation does not wait for an issuance. */
  public void maintainKeys() {
    try {
      keyRing.maintain();
    } catch (RuntimeException e) {
      LOG.warn("{} {}", kv("event", "keyring_maintenance_failed"), kv("error", Failures.brief(e)));
    }
  }

  @Override
  public Operator operator() {
    return operator;
  }

  @Override
  public boolean keyRingLoaded() {
    KeyRingSecretStore store = keyRing;
    return store != null && store.current() != null;
  }

  @Override
  public boolean leading() {
    return leading;
  }

  @Override
  public Optional<String> attention() {
    RevocationPath path = revocationPath;
    return path == null ? Optional.empty() : path.rollbackSeen();
  }

  @Override
  public Optional<String> leaseProblem() {
    LeaseWatch watch = leaseWatch;
    return watch == null ? Optional.empty() : watch.problem();
  }

  @Override
  public synchronized void close() {
    closing = true;
    maintenance.shutdownNow();
    if (leaseWatch != null) {
      leaseWatch.close();
    }
    if (operator != null) {
      operator.stop();
    }
    leading = false;
    if (events != null) {
      events.close();
    }
    if (revocationPath != null) {
      revocationPath.close();
    }
    if (keyRing != null) {
      keyRing.close();
    }
    if (config.leaderElection() && operator != null) {
      releaseLease();
    }
  }

  /**
   * Last in {@link #close}, once nothing writes any more: a standby takes over at its next retry
   * instead of waiting out the lease duration. An update (PUT with the read resourceVersion), so a
   * Lease another replica has taken meanwhile is left alone.
   */
  private void releaseLease() {
    try {
      Lease lease =
          client
              .leases()
              .inNamespace(config.operatorNamespace())
              .withName(config.leaseName())
              .get();
      if (lease == null
          || lease.getSpec() == null
          || !identity.equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      ZonedDateTime now = ZonedDateTime.now(Clock.systemUTC());
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setLeaseDurationSeconds(1);
      lease.getSpec().setAcquireTime(now);
      lease.getSpec().setRenewTime(now);
      client.resource(lease).update();
      LOG.info("{}", kv("event", "lease_released"));
    } catch (RuntimeException e) {
      LOG.warn("{} {}", kv("event", "lease_release_failed"), kv("error", Failures.brief(e)));
    }
  }
}
