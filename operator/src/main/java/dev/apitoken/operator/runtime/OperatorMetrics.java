package dev.apitoken.operator.runtime;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The operator's own metrics, all named {@code apitoken_*} in Prometheus. Labels carry only
 * non-secret values: reasons, states, namespaces, outcomes and, on the per-token expiry series (one
 * per ApiToken, like cert-manager's per-certificate series), the ApiToken's name; never a token or
 * its id.
 *
 * <p>Gauges that describe "now" (key age, tokens by state) are computed when scraped, so they are
 * right even if nothing happened since the last event. Gauges appear on the first event that sets
 * them; until then the series is absent rather than a misleading zero.
 */
public final class OperatorMetrics {
  static final String TOKENS_ISSUED = "apitoken.tokens.issued";
  static final String ISSUE_FAILURES = "apitoken.token.issue.failures";
  static final String ISSUES_THROTTLED = "apitoken.token.issues.throttled";
  static final String REVOKED_TOKENS = "apitoken.revoked.tokens";
  static final String TRUST_PUBLISHES = "apitoken.trust.publishes";
  static final String STATUS_LIST_REVOKED_INDICES = "apitoken.status.list.revoked.indices";
  static final String STATUS_LIST_BYTES = "apitoken.status.list.size";
  static final String TRUST_NAMESPACES = "apitoken.trust.namespaces";
  static final String PROPAGATION = "apitoken.revocation.propagation";
  static final String TRUST_WRITES = "apitoken.trust.configmap.writes";
  static final String KEY_AGE = "apitoken.signing.key.age";
  static final String SIGNING_KEYS = "apitoken.signing.keys";
  static final String KEY_REVOCATION_PENDING = "apitoken.key.revocation.pending.tokens";
  static final String TOKENS = "apitoken.tokens";
  static final String SOURCE_DISAGREEMENTS = "apitoken.revocation.source.disagreements";
  static final String STATE_WRITES_REFUSED = "apitoken.state.writes.refused";
  static final String STATE_RESTORES = "apitoken.state.restores";

  /** Rollbacks of the operator state found against its own signed trust copies. */
  static final String STATE_ROLLBACKS = "apitoken.state.rollbacks";

  /** 1 per target namespace while it refuses its trust copy. */
  static final String TRUST_NAMESPACE_REFUSING = "apitoken.trust.namespace.refusing";

  static final String INDEX_SPACE_USED = "apitoken.status.list.index.used.ratio";
  static final String STATUS_LONG_POLLS = "apitoken.status.long.polls";
  static final String STATUS_LONG_POLLS_REFUSED = "apitoken.status.long.polls.refused";
  static final String STATUS_NOT_MODIFIED = "apitoken.status.responses.not.modified";
  static final String LEADER = "apitoken.leader";
  static final String CLOCK_AHEAD = "apitoken.clock.ahead";
  static final String PUBLISH_PENDING = "apitoken.trust.publish.pending";
  static final String STATE_SIZE_RATIO = "apitoken.state.size.ratio";
  static final String BUILD_INFO = "apitoken.build.info";

  /** Upper bounds of the propagation histogram's buckets ({@code le}), 50 ms to a minute. */
  static final Duration[] PROPAGATION_BUCKETS = {
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60)
  };

  /** The most data the API server stores in one ConfigMap. */
  static final long CONFIG_MAP_LIMIT_BYTES = 1024 * 1024;

  /**
   * States that always have a series once {@link #tokensByState} is registered, at 0 when no token
   * is in them, so a dashboard or alert never sees a gap. Other states appear when first counted.
   */
  static final List<String> BASE_TOKEN_STATES = List.of("ready", "invalid", "revoked");

  private final MeterRegistry registry;
  private final Clock clock;

  private final AtomicLong statusListRevokedIndices = new AtomicLong();
  private final AtomicLong statusListBytes = new AtomicLong();
  private final AtomicInteger trustNamespaces = new AtomicInteger();
  private final AtomicReference<Instant> activeKeyCreatedAt = new AtomicReference<>();
  private final AtomicInteger signingKeys = new AtomicInteger();
  private final Set<String> tokenStates = ConcurrentHashMap.newKeySet();
  private volatile Supplier<Map<String, Long>> tokenCounts;

  private final TokenExpiryGauges tokenExpiries;
  private final TokenReadyGauges tokenReady;

  /** Names of the gauges this instance registered; see {@link #registerOnce}. */
  private final Set<String> registeredGauges = ConcurrentHashMap.newKeySet();

  private final Map<String, Long> stateObjectBytes = new ConcurrentHashMap<>();
  private final Counter revokedTokens;
  private final Counter publishes;
  private final Timer propagation;

  /**
   * @param clock the clock key age is measured against, at scrape time
   */
  public OperatorMetrics(MeterRegistry registry, Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.tokenExpiries = new TokenExpiryGauges(registry);
    this.tokenReady = new TokenReadyGauges(registry);
    registerOnce(
        () ->
            Gauge.builder(BUILD_INFO, () -> 1)
                .description("Always 1; the labels say which operator build and Java runtime run")
                .tag("version", BuildInfo.version())
                .tag("java_version", System.getProperty("java.version", "unknown"))
                .register(registry),
        BUILD_INFO);
    this.revokedTokens =
        Counter.builder(REVOKED_TOKENS)
            .description("Tokens recorded as revoked")
            .register(registry);
    this.publishes =
        Counter.builder(TRUST_PUBLISHES)
            .description("Completed publications of the trust ConfigMaps to every target namespace")
            .register(registry);
    this.propagation =
        Timer.builder(PROPAGATION)
            .description(
                "Time from a revocation being recorded to the status list carrying it in every"
                    + " target namespace")
            // Buckets, not quantiles: histogram_quantile can then aggregate every replica and any
            // time window. They bracket the target (p99 under 1 s) and the slowest fan-out seen.
            .serviceLevelObjectives(PROPAGATION_BUCKETS)
            .register(registry);
    Gauge.builder(CLOCK_AHEAD, this, m -> m.clockAhead.get().toMillis() / 1000.0)
        .description(
            "How far this node's clock runs ahead of the API server's (the operator takes its"
                + " time from the API server then); 0 when it does not")
        .baseUnit("seconds")
        .register(registry);
  }

  private volatile Supplier<java.time.Duration> clockAhead = () -> java.time.Duration.ZERO;

  /** Where {@code apitoken_clock_ahead_seconds} reads how far the node's clock is held back. */
  public void clockAhead(Supplier<java.time.Duration> ahead) {
    this.clockAhead = Objects.requireNonNull(ahead, "ahead");
  }

  /**
   * A Prometheus registry with the JVM and process metrics bound: heap and non-heap memory, GC
   * pauses, CPU and uptime.
   */
  public static PrometheusMeterRegistry prometheusRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    // Lives as long as the process: its GC listeners are only worth removing with the JVM.
    new JvmGcMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  /**
   * JOSDK's own reconciliation metrics ({@code operator_sdk_*}) recorded into {@code registry};
   * pass the result to {@code ConfigurationServiceOverrider.withMetrics}. Per-resource metrics are
   * off: they would add a series per ApiToken name.
   */
  public static Metrics josdk(MeterRegistry registry) {
    return MicrometerMetrics.withoutPerResourceMetrics(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A token was signed and written; {@code reason} is the issue reason, e.g. FirstIssue. */
  public void tokenIssued(String reason) {
    Counter.builder(TOKENS_ISSUED)
        .description("Tokens signed and written to their Secret, by issue reason")
        .tag("reason", label(reason))
        .register(registry)
        .increment();
  }

  /** Issuing a token failed; {@code reason} is the failure's condition reason. */
  public void issueFailed(String reason) {
    Counter.builder(ISSUE_FAILURES)
        .description("Attempts to issue a token that failed, by reason")
        .tag("reason", label(reason))
        .register(registry)
        .increment();
  }

  /**
   * A token was due but not issued, because its ApiToken used up its issuance budget: a sign of a
   * reissue loop worth an alert.
   */
  public void issuanceThrottled() {
    Counter.builder(ISSUES_THROTTLED)
        .description("Issues deferred because an ApiToken was issued too many tokens recently")
        .register(registry)
        .increment();
  }

  /** {@code tokens} tokens were recorded as revoked. */
  public void revocationRecorded(int tokens) {
    if (tokens > 0) {
      revokedTokens.increment(tokens);
    }
  }

  /**
   * The status list reached every target namespace.
   *
   * @param namespaces how many namespaces now hold this status list
   * @param bytes encoded size of the status list
   * @param revokedEntries revoked indices in the status list
   * @param lagFromRevocationToAllNamespaces time from the oldest revocation this publication
   *     carries for the first time to the last namespace written; {@code null} when the publication
   *     carried no new revocation (a key change, a new namespace)
   */
  public void publishCompleted(
      int namespaces, long bytes, int revokedEntries, Duration lagFromRevocationToAllNamespaces) {
    registerPublicationGauges();
    trustNamespaces.set(namespaces);
    statusListBytes.set(bytes);
    statusListRevokedIndices.set(revokedEntries);
    publishes.increment();
    if (lagFromRevocationToAllNamespaces != null
        && !lagFromRevocationToAllNamespaces.isNegative()) {
      propagation.record(lagFromRevocationToAllNamespaces);
    }
  }

  /** One write of the trust ConfigMap in {@code namespace}; {@code changed} false for a no-op. */
  public void trustWrite(String namespace, boolean changed) {
    Counter.builder(TRUST_WRITES)
        .description("Writes of the trust ConfigMap, by namespace and whether content changed")
        .tag("namespace", label(namespace))
        .tag("result", changed ? "changed" : "unchanged")
        .register(registry)
        .increment();
  }

  /**
   * A copy of the revocation state (a published copy, the issue records, a ledger shard) held
   * revocations the ledger lacked; they were put back.
   */
  public void revocationSourceDisagreed(String source) {
    Counter.builder(SOURCE_DISAGREEMENTS)
        .description("Times a copy of the revocation state held revocations the ledger lacked")
        .tag("source", source)
        .register(registry)
        .increment();
  }

  /** The API server refused a write of operator state for good (size, quota): retried. */
  public void stateWriteRefused(String object, int code) {
    Counter.builder(STATE_WRITES_REFUSED)
        .description("Writes of operator state the API server refused (413, 422, quota)")
        .tag("object", label(object))
        .tag("code", Integer.toString(code))
        .register(registry)
        .increment();
  }

  /** Stored operator state was deleted, edited or corrupt and is being restored from memory. */
  public void stateRestored(String why) {
    Counter.builder(STATE_RESTORES)
        .description("Restores of operator state objects that were deleted, edited or corrupt")
        .tag("why", why)
        .register(registry)
        .increment();
  }

  private final java.util.Set<String> refusingGauges =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A target namespace refuses its trust copy (quota, admission): 1 while it does, then 0. Alert on
   * it: that namespace's workloads read a frozen copy.
   */
  public void trustNamespaceRefusing(
      String namespace, java.util.function.Predicate<String> stillRefusing) {
    if (refusingGauges.add(namespace)) {
      registry
          .find(TRUST_NAMESPACE_REFUSING)
          .tag("namespace", label(namespace))
          .meters()
          .forEach(registry::remove);
      io.micrometer.core.instrument.Gauge.builder(
              TRUST_NAMESPACE_REFUSING, () -> stillRefusing.test(namespace) ? 1 : 0)
          .description("1 while the namespace refuses its trust ConfigMap copy (quota, admission)")
          .tag("namespace", label(namespace))
          .register(registry);
    }
  }

  /**
   * The operator state was found behind its own signed trust copies (rolled back or restored): the
   * signed state was adopted. Alert on any increase.
   */
  public void stateRolledBack() {
    Counter.builder(STATE_ROLLBACKS)
        .description("Times the operator state was found behind its own signed trust copies")
        .register(registry)
        .increment();
  }

  private final AtomicReference<Double> indexSpaceUsed = new AtomicReference<>(0.0);

  /** Share of the status-list index space handed out (alert well before 1). */
  public void indexSpaceUsed(double ratio) {
    indexSpaceUsed.set(ratio);
    registerOnce(
        () ->
            Gauge.builder(INDEX_SPACE_USED, indexSpaceUsed, AtomicReference::get)
                .description("Share of the status-list index space handed out; issuance stops at 1")
                .register(registry),
        INDEX_SPACE_USED);
  }

  /**
   * Registers {@code apitoken_leader}: 1 while this replica is the leader (it reconciles, signs and
   * publishes), 0 while it stands by. Summed over the replicas it is 1 in a healthy install.
   */
  public void leader(BooleanSupplier leading) {
    // The latest supplier counts: a restarted operator in the same process registers again.
    this.leading = Objects.requireNonNull(leading, "leading");
    registerOnce(
        () ->
            Gauge.builder(LEADER, this, m -> m.leading.getAsBoolean() ? 1 : 0)
                .description("1 while this replica is the leader, 0 while it stands by")
                .register(registry),
        LEADER);
  }

  private volatile BooleanSupplier leading = () -> false;

  /**
   * Registers {@code apitoken_trust_publish_pending_seconds}: how long the oldest request to
   * publish (a revocation recorded, a key or namespace change) has waited for a publication to
   * every target namespace to complete; 0 when nothing waits. Read from {@code seconds} when
   * scraped.
   */
  public void publishPending(DoubleSupplier seconds) {
    // The latest supplier counts: a restarted operator in the same process registers again.
    this.publishPending = Objects.requireNonNull(seconds, "seconds");
    registerOnce(
        () ->
            Gauge.builder(PUBLISH_PENDING, this, m -> m.publishPending.getAsDouble())
                .description(
                    "How long the oldest publish request (a revocation, a key or namespace change)"
                        + " has waited for the trust ConfigMaps to be written everywhere")
                .baseUnit("seconds")
                .register(registry),
        PUBLISH_PENDING);
  }

  private volatile DoubleSupplier publishPending = () -> 0;

  /**
   * The operator stored a state object (a ledger or issue-record shard, a trust copy) of {@code
   * bytes} bytes of data; 0 when it deleted it. Feeds {@code apitoken_state_size_ratio}, the
   * largest of them against the ConfigMap limit, registered on the first report.
   */
  public void stateObjectSize(String object, long bytes) {
    if (bytes <= 0) {
      stateObjectBytes.remove(label(object));
    } else {
      stateObjectBytes.put(label(object), bytes);
    }
    registerOnce(
        () ->
            Gauge.builder(STATE_SIZE_RATIO, stateObjectBytes, OperatorMetrics::largestShareOfLimit)
                .description(
                    "Largest state object the operator stores (ledger or issue-record shard, trust"
                        + " copy) as a share of the 1 MiB ConfigMap limit")
                .strongReference(true)
                .register(registry),
        STATE_SIZE_RATIO);
  }

  /**
   * Registers the meters {@code register} adds, once per instance: Micrometer keeps the first gauge
   * registered under an id and warns about every later one. Meters of that name left by an earlier
   * instance on the same registry (an operator restarted in the same process) are removed first, so
   * the gauges read this instance.
   */
  private void registerOnce(Runnable register, String... names) {
    synchronized (registeredGauges) {
      if (registeredGauges.add(names[0])) {
        for (String name : names) {
          registry.find(name).meters().forEach(registry::remove);
        }
        register.run();
      }
    }
  }

  private static double largestShareOfLimit(Map<String, Long> bytesByObject) {
    long largest = bytesByObject.values().stream().mapToLong(Long::longValue).max().orElse(0);
    return (double) largest / CONFIG_MAP_LIMIT_BYTES;
  }

  /**
   * The ApiToken's current token expires at {@code expiresAt} and is renewed at {@code renewalAt}
   * ({@code null}: no renewal planned); sets its {@code
   * apitoken_token_expiration_timestamp_seconds} and {@code
   * apitoken_token_renewal_timestamp_seconds} series.
   */
  public void tokenValidity(String namespace, String name, Instant expiresAt, Instant renewalAt) {
    tokenExpiries.set(namespace, name, expiresAt, renewalAt);
  }

  /** The ApiToken was revoked or deleted: its expiry and renewal series go away. */
  public void tokenGone(String namespace, String name) {
    tokenExpiries.remove(namespace, name);
  }

  /**
   * The ApiToken's Ready condition now has status {@code ready} ("True", "False", "Unknown"); sets
   * its {@code apitoken_ready_status} series.
   */
  public void tokenReady(String namespace, String name, String ready) {
    tokenReady.set(namespace, name, ready);
  }

  /** The ApiToken was deleted: every series named after it goes away. */
  public void tokenDeleted(String namespace, String name) {
    tokenExpiries.remove(namespace, name);
    tokenReady.remove(namespace, name);
  }

  /** What the provider telemetry reads; held by a field, see {@link #statusListProvider}. */
  private record ProviderSources(
      IntSupplier openLongPolls, LongSupplier refusedLongPolls, LongSupplier notModified) {}

  private volatile ProviderSources providerSources;

  /**
   * Registers the Status List provider's telemetry, each read from the provider when scraped: the
   * long-polls parked now ({@code apitoken_status_long_polls}; near the waiter bound, new ones are
   * refused), the long-polls refused with 503 because the bound was reached, and the answers 304.
   */
  public void statusListProvider(
      IntSupplier openLongPolls, LongSupplier refusedLongPolls, LongSupplier notModified) {
    // Micrometer holds a function counter's state object weakly: once collected, the counter
    // freezes at its last value. The meters hold this instance, which lives as long as the
    // operator, and read the latest provider through it.
    providerSources = new ProviderSources(openLongPolls, refusedLongPolls, notModified);
    registerOnce(
        () -> {
          Gauge.builder(STATUS_LONG_POLLS, this, m -> m.providerSources.openLongPolls().getAsInt())
              .description("Long-polls parked at this replica's Status List provider now")
              .strongReference(true)
              .register(registry);
          FunctionCounter.builder(
                  STATUS_LONG_POLLS_REFUSED,
                  this,
                  m -> m.providerSources.refusedLongPolls().getAsLong())
              .description("Long-polls refused with 503 because the bound on waiters was reached")
              .register(registry);
          FunctionCounter.builder(
                  STATUS_NOT_MODIFIED, this, m -> m.providerSources.notModified().getAsLong())
              .description(
                  "Status List provider answers 304 Not Modified, long-polls at their deadline"
                      + " included")
              .register(registry);
        },
        STATUS_LONG_POLLS,
        STATUS_LONG_POLLS_REFUSED,
        STATUS_NOT_MODIFIED);
  }

  /** The key ring changed: a new active key, or keys added or pruned. */
  public void keyRingChanged(Instant activeKeyCreatedAt, int keys) {
    this.activeKeyCreatedAt.set(Objects.requireNonNull(activeKeyCreatedAt, "activeKeyCreatedAt"));
    signingKeys.set(keys);
    registerKeyGauges();
  }

  /**
   * Registers {@code apitoken_key_revocation_pending_tokens}: ApiTokens whose token a revoked or
   * lost signing key signed and that wait for their rate-limited reissue. Read from memory.
   */
  public void keyRevocationPending(Supplier<Integer> pending) {
    // The latest supplier counts: a restarted operator in the same process registers again.
    this.keyRevocationPending = Objects.requireNonNull(pending, "pending");
    registerOnce(
        () ->
            Gauge.builder(KEY_REVOCATION_PENDING, this, m -> m.keyRevocationPending.get())
                .description(
                    "ApiTokens waiting to be reissued after their signing key was revoked or lost")
                .register(registry),
        KEY_REVOCATION_PENDING);
  }

  private volatile Supplier<Integer> keyRevocationPending = () -> 0;

  /**
   * Registers {@code apitoken_tokens{state=...}}, read from {@code counts} at every scrape. The
   * supplier must answer from memory (an informer cache), never by calling the API server.
   */
  public void tokensByState(Supplier<Map<String, Long>> counts) {
    this.tokenCounts = Objects.requireNonNull(counts, "counts");
    registerOnce(() -> BASE_TOKEN_STATES.forEach(this::registerTokenState), TOKENS);
  }

  private double tokensIn(String state) {
    Map<String, Long> counts = tokenCounts.get();
    if (counts == null) {
      return 0;
    }
    // A state first seen now gets its own series from the next scrape on.
    counts.keySet().stream()
        .filter(s -> s != null && !tokenStates.contains(s))
        .forEach(this::registerTokenState);
    Long count = counts.get(state);
    return count == null ? 0 : count;
  }

  private void registerTokenState(String state) {
    if (tokenStates.add(state)) {
      Gauge.builder(TOKENS, () -> tokensIn(state))
          .description("ApiTokens by state, counted when scraped")
          .tag("state", state)
          .register(registry);
    }
  }

  private void registerPublicationGauges() {
    registerOnce(
        () -> {
          Gauge.builder(STATUS_LIST_REVOKED_INDICES, statusListRevokedIndices, AtomicLong::get)
              .description("Revoked indices in the last published status list")
              .strongReference(true)
              .register(registry);
          Gauge.builder(STATUS_LIST_BYTES, statusListBytes, AtomicLong::get)
              .description(
                  "Encoded size of the last published status list (status-list.json and its shards)")
              .baseUnit("bytes")
              .strongReference(true)
              .register(registry);
          Gauge.builder(TRUST_NAMESPACES, trustNamespaces, AtomicInteger::get)
              .description("Namespaces the last status list was published to")
              .strongReference(true)
              .register(registry);
        },
        STATUS_LIST_REVOKED_INDICES,
        STATUS_LIST_BYTES,
        TRUST_NAMESPACES);
  }

  private void registerKeyGauges() {
    registerOnce(
        () -> {
          Gauge.builder(KEY_AGE, this, OperatorMetrics::activeKeyAgeSeconds)
              .description("Age of the active signing key, measured when scraped")
              .baseUnit("seconds")
              .strongReference(true)
              .register(registry);
          Gauge.builder(SIGNING_KEYS, signingKeys, AtomicInteger::get)
              .description("Signing keys published in the trust ConfigMap (active and retired)")
              .strongReference(true)
              .register(registry);
        },
        KEY_AGE,
        SIGNING_KEYS);
  }

  private double activeKeyAgeSeconds() {
    Instant created = activeKeyCreatedAt.get();
    if (created == null) {
      return Double.NaN;
    }
    return Duration.between(created, clock.instant()).toMillis() / 1000.0;
  }

  private static String label(String value) {
    return value == null || value.isBlank() ? "unknown" : value;
  }
}
