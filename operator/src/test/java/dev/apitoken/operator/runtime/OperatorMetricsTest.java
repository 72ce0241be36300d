package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.testing.MutableClock;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  void publishSetsPublicationGaugesAndRecordsLag() {
    assertThat(registry.find(OperatorMetrics.STATUS_LIST_REVOKED_INDICES).gauge())
        .as("absent until the first publication")
        .isNull();

    metrics.publishCompleted(4, 2048, 10, Duration.ofSeconds(3));
    metrics.publishCompleted(5, 1024, 7, Duration.ofSeconds(5));
    // A publication without a new revocation (e.g. a new namespace) records no lag.
    metrics.publishCompleted(6, 1024, 7, null);

    assertThat(gauge(OperatorMetrics.STATUS_LIST_REVOKED_INDICES)).isEqualTo(7);
    assertThat(gauge(OperatorMetrics.STATUS_LIST_BYTES)).isEqualTo(1024);
    assertThat(gauge(OperatorMetrics.TRUST_NAMESPACES)).isEqualTo(6);
    assertThat(registry.get(OperatorMetrics.TRUST_PUBLISHES).counter().count()).isEqualTo(3);
    Timer lag = registry.get(OperatorMetrics.PROPAGATION).timer();
    assertThat(lag.count()).isEqualTo(2);
    assertThat(lag.totalTime(TimeUnit.SECONDS)).isEqualTo(8);
    assertThat(lag.max(TimeUnit.SECONDS)).isEqualTo(5);
  }

  @Test
  void propagationIsAPrometheusHistogramThatHistogramQuantileCanAggregate() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics published = new OperatorMetrics(prometheus, clock);

    published.publishCompleted(1, 1, 1, Duration.ofMillis(40));
    published.publishCompleted(1, 1, 2, Duration.ofMillis(700));
    published.publishCompleted(1, 1, 3, Duration.ofSeconds(45));
    String scrape = prometheus.scrape();

    assertThat(scrape)
        .contains("# TYPE apitoken_revocation_propagation_seconds histogram")
        .doesNotContain("quantile=");
    // Cumulative counts at the bounds around the p99 target (1 s) and at the top bucket.
    assertThat(bucket(scrape, "0.05")).isEqualTo(1);
    assertThat(bucket(scrape, "0.5")).isEqualTo(1);
    assertThat(bucket(scrape, "1.0")).isEqualTo(2);
    assertThat(bucket(scrape, "30.0")).isEqualTo(2);
    assertThat(bucket(scrape, "60.0")).isEqualTo(3);
    assertThat(bucket(scrape, "+Inf")).isEqualTo(3);
    assertThat(
            Pattern.compile("apitoken_revocation_propagation_seconds_bucket\\{")
                .matcher(scrape)
                .results()
                .count())
        .as("ten bounds and +Inf")
        .isEqualTo(11);
  }

  private static double bucket(String scrape, String le) {
    Matcher sample =
        Pattern.compile(
                "^apitoken_revocation_propagation_seconds_bucket\\{le=\""
                    + Pattern.quote(le)
                    + "\"} (\\S+)$",
                Pattern.MULTILINE)
            .matcher(scrape);
    assertThat(sample.find()).as("bucket le=%s in%n%s", le, scrape).isTrue();
    return Double.parseDouble(sample.group(1));
  }

  @Test
  void eachApiTokenHasItsExpiryAndRenewalUntilItIsRevokedOrDeleted() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics published = new OperatorMetrics(prometheus, clock);
    Instant expires = Instant.parse("2026-04-01T00:00:00Z");
    Instant renews = Instant.parse("2026-03-21T00:00:00Z");

    published.tokenValidity("shop", "orders", expires, renews);
    published.tokenValidity("shop", "billing", expires.plusSeconds(60), null);
    String scrape = prometheus.scrape();
    assertThat(scrape)
        .contains(
            "apitoken_token_expiration_timestamp_seconds{name=\"orders\",namespace=\"shop\"} "
                + (double) expires.getEpochSecond())
        .contains(
            "apitoken_token_renewal_timestamp_seconds{name=\"orders\",namespace=\"shop\"} "
                + (double) renews.getEpochSecond())
        .contains(
            "apitoken_token_expiration_timestamp_seconds{name=\"billing\",namespace=\"shop\"} "
                + (double) expires.plusSeconds(60).getEpochSecond())
        .as("no renewal planned, no renewal series")
        .doesNotContain("apitoken_token_renewal_timestamp_seconds{name=\"billing\"");

    // A reissue moves both times; the series is the same one.
    published.tokenValidity("shop", "orders", expires.plusSeconds(3600), renews.plusSeconds(3600));
    assertThat(prometheus.scrape())
        .contains(
            "apitoken_token_expiration_timestamp_seconds{name=\"orders\",namespace=\"shop\"} "
                + (double) expires.plusSeconds(3600).getEpochSecond());

    published.tokenGone("shop", "orders");
    published.tokenGone("shop", "never-seen");
    assertThat(prometheus.scrape())
        .as("no stale series for a revoked or deleted ApiToken")
        .doesNotContain("name=\"orders\"")
        .contains("name=\"billing\"");

    // Observed again (e.g. recreated with the same name): the series comes back.
    published.tokenValidity("shop", "orders", expires, renews);
    assertThat(prometheus.scrape())
        .contains("apitoken_token_renewal_timestamp_seconds{name=\"orders\",namespace=\"shop\"}");

    // An operator restarted in the same process takes the series over with its own values.
    new OperatorMetrics(prometheus, clock).tokenValidity("shop", "billing", renews, null);
    assertThat(prometheus.scrape())
        .contains(
            "apitoken_token_expiration_timestamp_seconds{name=\"billing\",namespace=\"shop\"} "
                + (double) renews.getEpochSecond());
  }

  @Test
  void aNewApiTokensSeriesIsRegisteredWithoutScanningEveryMeter() {
    AtomicInteger scans = new AtomicInteger();
    MeterRegistry counting =
        new SimpleMeterRegistry() {
          @Override
          public List<Meter> getMeters() {
            scans.incrementAndGet();
            return super.getMeters();
          }
        };
    OperatorMetrics published = new OperatorMetrics(counting, clock);
    scans.set(0);

    for (int i = 0; i < 100; i++) {
      published.tokenValidity("shop", "token-" + i, NOW, NOW);
    }

    assertThat(scans)
        .as("a scan of every meter (two per ApiToken) per new ApiToken: a burst costs n²")
        .hasValue(0);
    assertThat(counting.find("apitoken.token.expiration.timestamp").gauges()).hasSize(100);
    assertThat(counting.find("apitoken.token.renewal.timestamp").gauges()).hasSize(100);
  }

  @Test
  void leaderIsOneOnlyWhileLeading() {
    java.util.concurrent.atomic.AtomicBoolean leading =
        new java.util.concurrent.atomic.AtomicBoolean();
    metrics.leader(leading::get);

    assertThat(gauge(OperatorMetrics.LEADER)).isZero();
    leading.set(true);
    assertThat(gauge(OperatorMetrics.LEADER)).isEqualTo(1);

    // An operator restarted in the same process registers its own flag; that one counts.
    metrics.leader(() -> false);
    assertThat(gauge(OperatorMetrics.LEADER)).isZero();
  }

  @Test
  void stateSizeRatioIsTheLargestStoredObjectAgainstTheConfigMapLimit() {
    assertThat(registry.find(OperatorMetrics.STATE_SIZE_RATIO).gauge())
        .as("absent until something is stored")
        .isNull();

    metrics.stateObjectSize("apitoken-trust-revocations-0", 256 * 1024);
    metrics.stateObjectSize("apitoken-trust", 512 * 1024);
    assertThat(gauge(OperatorMetrics.STATE_SIZE_RATIO)).isEqualTo(0.5);

    metrics.stateObjectSize("apitoken-trust", 128 * 1024);
    assertThat(gauge(OperatorMetrics.STATE_SIZE_RATIO)).isEqualTo(0.25);
    metrics.stateObjectSize("apitoken-trust-revocations-0", 0);
    assertThat(gauge(OperatorMetrics.STATE_SIZE_RATIO))
        .as("a deleted shard no longer counts")
        .isEqualTo(0.125);
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
    metrics.tokenValidity("team-a", "orders", NOW, NOW);
    metrics.tokenReady("team-a", "orders", "True");

    Set<String> tagKeys =
        registry.getMeters().stream()
            .map(Meter::getId)
            .filter(id -> id.getName().startsWith("apitoken."))
            .flatMap(id -> id.getTags().stream())
            .map(tag -> tag.getKey())
            .collect(Collectors.toSet());
    // "le" is the propagation histogram's bucket bound; "name" the ApiToken's, never a token's;
    // "condition" the status of its Ready condition; "version" and "java_version" the build's.
    assertThat(tagKeys)
        .containsExactlyInAnyOrder(
            "reason",
            "state",
            "namespace",
            "result",
            "le",
            "name",
            "condition",
            "version",
            "java_version");
  }

  @Test
  void readySeriesFollowTheReadyConditionAndGoWhenTheApiTokenIsDeleted() {
    metrics.tokenReady("team-a", "orders", "Unknown");
    assertThat(readySeries("team-a", "orders"))
        .isEqualTo(Map.of("True", 0.0, "False", 0.0, "Unknown", 1.0));

    metrics.tokenReady("team-a", "orders", "True");
    metrics.tokenReady("team-b", "orders", "False");
    assertThat(readySeries("team-a", "orders"))
        .isEqualTo(Map.of("True", 1.0, "False", 0.0, "Unknown", 0.0));
    assertThat(readySeries("team-b", "orders"))
        .isEqualTo(Map.of("True", 0.0, "False", 1.0, "Unknown", 0.0));

    metrics.tokenGone("team-a", "orders");
    assertThat(readySeries("team-a", "orders")).as("revoked: still there, still read").hasSize(3);

    metrics.tokenDeleted("team-a", "orders");
    assertThat(readySeries("team-a", "orders")).isEmpty();
    assertThat(readySeries("team-b", "orders")).hasSize(3);
  }

  @Test
  void buildInfoIsOneAndNamesTheVersion() {
    Gauge buildInfo = registry.get(OperatorMetrics.BUILD_INFO).gauge();

    assertThat(buildInfo.value()).isEqualTo(1);
    assertThat(buildInfo.getId().getTag("version")).isEqualTo(BuildInfo.version());
    assertThat(BuildInfo.version()).as("written by Maven at build time").matches("\\d+\\.\\d+.*");
  }

  @Test
  void registeringAgainIsSilentAndTheLatestSourceCounts() {
    // Micrometer warns about the first double registration in the JVM and reports later ones at
    // DEBUG: listening at DEBUG sees every one, whichever test ran first.
    ch.qos.logback.classic.Logger micrometer =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(MeterRegistry.class.getName());
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
        new ch.qos.logback.core.read.ListAppender<>();
    seen.start();
    ch.qos.logback.classic.Level before = micrometer.getLevel();
    micrometer.setLevel(ch.qos.logback.classic.Level.DEBUG);
    micrometer.addAppender(seen);
    try {
      for (int round = 1; round <= 2; round++) {
        int value = round;
        metrics.stateObjectSize("ledger-" + round, 1024L * round);
        metrics.leader(() -> value == 2);
        metrics.publishPending(() -> value);
        metrics.keyRevocationPending(() -> value);
        metrics.statusListProvider(() -> value, () -> value, () -> value);
        metrics.indexSpaceUsed(0.1 * round);
      }
    } finally {
      micrometer.detachAppender(seen);
      micrometer.setLevel(before);
    }

    assertThat(seen.list).extracting(e -> e.getFormattedMessage()).isEmpty();
    assertThat(gauge(OperatorMetrics.LEADER)).isEqualTo(1);
    assertThat(gauge(OperatorMetrics.PUBLISH_PENDING)).isEqualTo(2);
    assertThat(gauge(OperatorMetrics.STATUS_LONG_POLLS)).isEqualTo(2);
    assertThat(gauge(OperatorMetrics.STATE_SIZE_RATIO)).isEqualTo(2048.0 / (1024 * 1024));
  }

  @Test
  void aSecondInstanceOnTheSameRegistryTakesTheGaugesOver() {
    metrics.leader(() -> false);
    metrics.publishCompleted(1, 100, 1, null);
    metrics.keyRingChanged(NOW, 1);
    metrics.indexSpaceUsed(0.1);
    metrics.tokensByState(() -> Map.of("ready", 1L));

    // An operator restarted in the same process, as RunningOperator.restart() does.
    OperatorMetrics restarted = new OperatorMetrics(registry, clock);
    restarted.leader(() -> true);
    restarted.publishCompleted(3, 300, 2, null);
    restarted.keyRingChanged(NOW, 2);
    restarted.indexSpaceUsed(0.5);
    restarted.tokensByState(() -> Map.of("ready", 7L));

    assertThat(gauge(OperatorMetrics.LEADER)).isEqualTo(1);
    assertThat(gauge(OperatorMetrics.TRUST_NAMESPACES)).isEqualTo(3);
    assertThat(gauge(OperatorMetrics.SIGNING_KEYS)).isEqualTo(2);
    assertThat(gauge(OperatorMetrics.INDEX_SPACE_USED)).isEqualTo(0.5);
    assertThat(tokens("ready")).isEqualTo(7);
    assertThat(registry.get(OperatorMetrics.BUILD_INFO).gauges()).hasSize(1);
  }

  private Map<String, Double> readySeries(String namespace, String name) {
    return registry
        .find("apitoken.ready.status")
        .tag("namespace", namespace)
        .tag("name", name)
        .gauges()
        .stream()
        .collect(Collectors.toMap(g -> g.getId().getTag("condition"), Gauge::value));
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
