package dev.apitoken.operator.testing;

import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.ApiTokenOperator;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.verifier.TokenVerifier;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The operator, wired exactly as in production, running against a mock API server in CRUD mode,
 * with a clock the test moves and the queries a user would make with kubectl.
 */
public final class RunningOperator implements AutoCloseable {
  public static final String OPERATOR_NAMESPACE = "apitoken-system";
  public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private final KubernetesClient client;
  private final MutableClock clock;
  private final OperatorConfig config;
  private final List<String> issuedTokenValues = new ArrayList<>();
  private ApiTokenOperator operator;
  private MeterRegistry registry = new SimpleMeterRegistry();
  private OperatorMetrics operatorMetrics;
  private SecureRandom random = new SecureRandom();
  private Duration maxResync = Duration.ofMillis(500);
  private Duration maintenancePeriod = Duration.ofHours(1);

  public RunningOperator(KubernetesClient client, MutableClock clock, String... settings) {
    this.client = client;
    this.clock = clock;
    String[] args =
        Stream.concat(
                Stream.of("--operator-namespace=" + OPERATOR_NAMESPACE, "--leader-election=false"),
                Arrays.stream(settings))
            .toArray(String[]::new);
    this.config = ConfigLoader.load(args, Map.of());
  }

  /** Randomness for keys and token ids; lets a test make issuing fail. Call before start. */
  public RunningOperator withRandom(SecureRandom random) {
    this.random = random;
    return this;
  }

  /** How often each ApiToken is reconciled at the latest; 500 ms unless a test asks. */
  public RunningOperator withMaxResync(Duration maxResync) {
    this.maxResync = maxResync;
    return this;
  }

  /**
   * How often the operator resyncs its revocation state (re-reads and merges every source, revokes
   * orphans) and maintains keys; an hour unless a test asks, so that only tests that want it see
   * it.
   */
  public RunningOperator withMaintenancePeriod(Duration maintenancePeriod) {
    this.maintenancePeriod = maintenancePeriod;
    return this;
  }

  /**
   * The registry the operator records into; a {@code SimpleMeterRegistry} unless a test needs the
   * Prometheus one {@code /metrics} renders. Call before start.
   */
  public RunningOperator withRegistry(MeterRegistry registry) {
    this.registry = registry;
    return this;
  }

  public RunningOperator start() {
    operatorMetrics = new OperatorMetrics(registry, clock);
    operator =
        new ApiTokenOperator(
            client,
            config,
            new ApiTokenOperator.Tuning(maxResync, maintenancePeriod, false),
            clock,
            random,
            operatorMetrics);
    operator.start();
    return this;
  }

  public RunningOperator restart() {
    operator.close();
    return start();
  }

  public void maintainKeys() {
    operator.maintainKeys();
  }

  /** What the operator's /metrics endpoint would serve, across restarts of this instance. */
  public MeterRegistry metrics() {
    return registry;
  }

  /** The operator's metrics recorder, for wiring parts Main adds (the Status List provider). */
  public OperatorMetrics operatorMetrics() {
    return operatorMetrics;
  }

  public OperatorConfig config() {
    return config;
  }

  public MutableClock clock() {
    return clock;
  }

  public ApiToken create(ApiToken token) {
    return client.resource(token).create();
  }

  public ApiToken get(String namespace, String name) {
    return client.resources(ApiToken.class).inNamespace(namespace).withName(name).get();
  }

  public ApiToken awaitCondition(String namespace, String name, String type, String status) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ConditionAssert.hasCondition(get(namespace, name), type, status));
    return get(namespace, name);
  }

  public ApiToken awaitReady(String namespace, String name) {
    return awaitCondition(namespace, name, Conditions.READY, Conditions.TRUE);
  }

  /** Waits until the ApiToken's current token differs from {@code previousJti}. */
  public ApiToken awaitNewToken(String namespace, String name, String previousJti) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              ApiToken token = get(namespace, name);
              return token.getStatus() != null
                  && token.getStatus().getJti() != null
                  && !token.getStatus().getJti().equals(previousJti)
                  && ConditionAssert.hasCondition(token, Conditions.READY, Conditions.TRUE)
                  && tokenValue(namespace, token.getStatus().getSecretName()) != null;
            });
    return get(namespace, name);
  }

  public Secret secret(String namespace, String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  /** The token in a Secret, remembered so the no-token-in-logs check knows what to look for. */
  public String tokenValue(String namespace, String secretName) {
    Secret secret = secret(namespace, secretName);
    String value = TokenSecretDependent.tokenValue(secret).orElse(null);
    if (value != null) {
      synchronized (issuedTokenValues) {
        issuedTokenValues.add(value);
      }
    }
    return value;
  }

  public List<String> tokenValuesSeen() {
    synchronized (issuedTokenValues) {
      return List.copyOf(issuedTokenValues);
    }
  }

  public ConfigMap trustConfigMap() {
    return trustConfigMap(OPERATOR_NAMESPACE);
  }

  public ConfigMap trustConfigMap(String namespace) {
    return client.configMaps().inNamespace(namespace).withName(config.trustConfigMapName()).get();
  }

  /** The status a workload in {@code namespace} would read for {@code index}; -1 if it has none. */
  public int publishedStatus(String namespace, long index) {
    ConfigMap map = trustConfigMap(namespace);
    if (map == null
        || map.getData() == null
        || map.getData().get(TrustDocument.STATUS_LIST_KEY) == null) {
      return -1;
    }
    try {
      StatusList list =
          StatusListDocument.parse(map.getData().get(TrustDocument.STATUS_LIST_KEY)).statusList();
      return index < list.size() ? list.get(index) : -1;
    } catch (RuntimeException unreadable) {
      return -1;
    }
  }

  /** A verifier that reads exactly what a workload mounting {@code namespace}'s copy reads. */
  public TokenVerifier verifierFor(String namespace) {
    ConfigMap map = trustConfigMap(namespace);
    return TokenVerifier.builder()
        .trust(
            map.getData().get(TrustDocument.JWKS_KEY),
            map.getData().get(TrustDocument.STATUS_LIST_KEY))
        .expectedIssuer(config.issuer())
        .clock(clock)
        .watch(false)
        .build();
  }

  public void createNamespace(String name, Map<String, String> labels) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  /** Deletes every ApiToken and waits until the finalizers are done. */
  public void deleteAllApiTokens() {
    client.resources(ApiToken.class).inAnyNamespace().delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(ApiToken.class).inAnyNamespace().list().getItems().isEmpty());
  }

  /** Whether an Event with this reason (and type, when given) was recorded in {@code namespace}. */
  public boolean hasEvent(String namespace, String reason, String type) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .anyMatch(e -> reason.equals(e.getReason()) && (type == null || type.equals(e.getType())));
  }

  public ApiTokenOperator operator() {
    return operator;
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.close();
    }
  }
}
