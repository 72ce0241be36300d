package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.testing.MutableClock;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final MutableClock clock = new MutableClock(NOW);
  private final OperatorMetrics metrics = new OperatorMetrics(registry, clock);

  @Test
  void issuesAndFailuresAreCountedByReason() {
    metrics.tokenIssued("FirstIssue");
    metrics.tokenIssued("FirstIssue");
    metrics.tokenIssued("RenewalDue");
    metrics.issueFailed("IssueFailed");
    metrics.tokenIssued(null);

    assertThat(count(OperatorMetrics.TOKENS_ISSUED, "reason", "FirstIssue")).isEqualTo(2);
    assertThat(count(OperatorMetrics.TOKENS_ISSUED, "reason", "RenewalDue")).isEqualTo(1);
    assertThat(count(OperatorMetrics.TOKENS_ISSUED, "reason", "unknown")).isEqualTo(1);
    assertThat(count(OperatorMetrics.ISSUE_FAILURES, "reason", "IssueFailed")).isEqualTo(1);
  }

  @Test
  void revocationsAddUpTokens() {
    metrics.revocationRecorded(3);
    metrics.revocationRecorded(0);
    metrics.revocationRecorded(2);

    assertThat(registry.get(OperatorMetrics.REVOKED_TOKENS).counter().count()).isEqualTo(5);
  }

  @Test
  void publishSetsDenylistGaugesAndRecordsLag() {
    assertThat(registry.find(OperatorMetrics.DENYLIST_ENTRIES).gauge())
        .as("absent until the first publication")
        .isNull();

    metrics.publishCompleted(4, 2048, 10, Duration.ofSeconds(3));
    metrics.publishCompleted(5, 1024, 7, Duration.ofSeconds(5));
    // A publication without a new revocation (e.g. a new namespace) records no lag.
    metrics.publishCompleted(6, 1024, 7, null);

    assertThat(gauge(OperatorMetrics.DENYLIST_ENTRIES)).isEqualTo(7);
    assertThat(gauge(OperatorMetrics.DENYLIST_BYTES)).isEqualTo(1024);
    assertThat(gauge(OperatorMetrics.DENYLIST_NAMESPACES)).isEqualTo(6);
    assertThat(registry.get(OperatorMetrics.DENYLIST_PUBLISHES).counter().count()).isEqualTo(3);
    Timer lag = registry.get(OperatorMetrics.PROPAGATION).timer();
    assertThat(lag.count()).isEqualTo(2);
    assertThat(lag.totalTime(TimeUnit.SECONDS)).isEqualTo(8);
    assertThat(lag.max(TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(lag.takeSnapshot().percentileValues())
        .extracting(ValueAtPercentile::percentile)
        .containsExactly(0.5, 0.99);
  }

  @Test
  void trustWritesAreCountedByNamespaceAndOutcome() {
    metrics.trustWrite("team-a", true);
    metrics.trustWrite("team-a", false);
    metrics.trustWrite("team-a", false);
    metrics.trustWrite("team-b", true);

    assertThat(trustWrites("team-a", "changed")).isEqualTo(1);
    assertThat(trustWrites("team-a", "unchanged")).isEqualTo(2);
    assertThat(trustWrites("team-b", "changed")).isEqualTo(1);
  }

  @Test
  void keyAgeIsMeasuredWhenRead() {
    metrics.keyRingChanged(NOW.minus(Duration.ofHours(1)), 2);

    assertThat(gauge(OperatorMetrics.KEY_AGE)).isEqualTo(3600);
    assertThat(gauge(OperatorMetrics.SIGNING_KEYS)).isEqualTo(2);

    clock.advance(Duration.ofMinutes(30));
    assertThat(gauge(OperatorMetrics.KEY_AGE)).isEqualTo(5400);

    metrics.keyRingChanged(clock.instant(), 3);
    assertThat(gauge(OperatorMetrics.KEY_AGE)).isZero();
    assertThat(gauge(OperatorMetrics.SIGNING_KEYS)).isEqualTo(3);
    assertThat(registry.find(OperatorMetrics.KEY_AGE).gauges()).hasSize(1);
  }

  @Test
  void tokensByStateAreReadWhenScrapedAndNewStatesAppear() {
    Map<String, Long> counts = new ConcurrentHashMap<>(Map.of("ready", 4L));
    metrics.tokensByState(() -> new HashMap<>(counts));

    assertThat(tokens("ready")).isEqualTo(4);
    assertThat(tokens("invalid")).as("base states are always present").isZero();
    assertThat(tokens("revoked")).isZero();

    counts.put("ready", 6L);
    counts.put("pending", 1L);
    assertThat(tokens("ready")).isEqualTo(6);
    assertThat(tokens("pending")).as("registered by the read that first saw it").isEqualTo(1);

    counts.remove("pending");
    assertThat(tokens("pending")).as("a state that empties reads 0, not a gap").isZero();
    assertThat(stateLabels()).containsExactlyInAnyOrder("ready", "invalid", "revoked", "pending");
  }

  @Test
  void labelsAreOnlyReasonsStatesNamespacesAndOutcomes() {
    metrics.tokenIssued("FirstIssue");
    metrics.issueFailed("IssueFailed");
    metrics.revocationRecorded(1);
    metrics.publishCompleted(1, 1, 1, Duration.ofSeconds(1));
    metrics.trustWrite("team-a", true);
    metrics.keyRingChanged(NOW, 1);
    metrics.tokensByState(Map::of);

    Set<String> tagKeys =
        registry.getMeters().stream()
            .map(Meter::getId)
            .filter(id -> id.getName().startsWith("apitoken."))
            .flatMap(id -> id.getTags().stream())
            .map(tag -> tag.getKey())
            .collect(Collectors.toSet());
    // "phi" is Micrometer's own tag for the propagation quantiles (p50, p99).
    assertThat(tagKeys).containsExactlyInAnyOrder("reason", "state", "namespace", "result", "phi");
  }

  @Test
  void josdkMetricsAreBuiltForTheRegistryAndAcceptedByTheOverrider() {
    Metrics josdk = OperatorMetrics.josdk(registry);

    assertThat(josdk).isInstanceOf(MicrometerMetrics.class);
    // What ApiTokenOperator's overrider lambda will do with it.
    ConfigurationService configured =
        ConfigurationService.newOverriddenConfigurationService(
            overrider -> overrider.withMetrics(josdk));
    assertThat(configured.getMetrics()).isSameAs(josdk);
    assertThat(josdk.monitorSizeOf(new HashMap<String, String>(), "caches")).isEmpty();
  }

  private double count(String name, String tag, String value) {
    return registry.get(name).tag(tag, value).counter().count();
  }

  private double trustWrites(String namespace, String result) {
    return registry
        .get(OperatorMetrics.TRUST_WRITES)
        .tag("namespace", namespace)
        .tag("result", result)
        .counter()
        .count();
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  private double tokens(String state) {
    return registry.get(OperatorMetrics.TOKENS).tag("state", state).gauge().value();
  }

  private Set<String> stateLabels() {
    return registry.find(OperatorMetrics.TOKENS).gauges().stream()
        .map(g -> g.getId().getTag("state"))
        .collect(Collectors.toSet());
  }

  @Test
  void providerCountersKeepCountingAfterAGarbageCollection() {
    java.util.concurrent.atomic.AtomicInteger open =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong notModified =
        new java.util.concurrent.atomic.AtomicLong();
    metrics.statusListProvider(open::get, refused::get, notModified::get);
    assertThat(registry.get(OperatorMetrics.STATUS_LONG_POLLS_REFUSED).functionCounter().count())
        .isZero();

    // The suppliers above are only reachable through the metrics: a collection must not freeze
    // the counters at their last value.
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    open.set(3);
    refused.set(2);
    notModified.set(7);

    assertThat(registry.get(OperatorMetrics.STATUS_LONG_POLLS).gauge().value()).isEqualTo(3);
    assertThat(registry.get(OperatorMetrics.STATUS_LONG_POLLS_REFUSED).functionCounter().count())
        .isEqualTo(2);
    assertThat(registry.get(OperatorMetrics.STATUS_NOT_MODIFIED).functionCounter().count())
        .isEqualTo(7);
  }
}
