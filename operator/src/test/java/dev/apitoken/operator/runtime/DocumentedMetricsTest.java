package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.testing.LiveScrape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every metric the table of docs/OBSERVABILITY.md documents is served by a live {@code /metrics}
 * endpoint once the operator has done the things the table talks about: issued a token, failed to
 * issue one, revoked one and published the revocation. A metric that is documented but never
 * registered (or renamed in code only) fails here. The run is {@link LiveScrape}'s, shared with the
 * chart's alert and dashboard checks.
 */
class DocumentedMetricsTest {
  /** A table row: {@code | `apitoken_tokens{state}` | gauge | ...}. */
  private static final Pattern DOCUMENTED =
      Pattern.compile("^\\| `(apitoken_[a-z0-9_]+)(?:\\{[^}]*})?` \\| ([a-z]+)", Pattern.MULTILINE);

  @Test
  void everyDocumentedMetricIsOnTheLiveMetricsEndpoint() throws Exception {
    List<String> documented = documentedMetrics();
    // Guards the parser: the table has more than a dozen rows.
    assertThat(documented).hasSizeGreaterThan(10).contains("apitoken_trust_configmap_writes_total");

    LiveScrape.Result scraped = LiveScrape.get();

    assertThat(scraped.sampleNames()).as("metric names on /metrics").containsAll(documented);
    for (String secret : scraped.secrets()) {
      assertThat(scraped.afterIssue() + scraped.afterRevocation())
          .as("a scrape carries no token and no token id")
          .doesNotContain(secret);
    }
  }

  @Test
  void eachLiveApiTokenHasExpiryAndRenewalSeriesAndNoOtherDoes() {
    LiveScrape.Result scraped = LiveScrape.get();
    Instant expires = Instant.parse(scraped.kept().getStatus().getExpiresAt());
    Instant renews = Instant.parse(scraped.kept().getStatus().getRenewalTime());

    for (String name : List.of(LiveScrape.REVOKED, LiveScrape.DELETED, LiveScrape.KEPT)) {
      assertThat(series(scraped.afterIssue(), "expiration", name))
          .as("expiry of %s once issued", name)
          .isNotNull();
      assertThat(series(scraped.afterIssue(), "renewal", name))
          .as("renewal of %s once issued", name)
          .isNotNull();
    }
    assertThat(series(scraped.afterRevocation(), "expiration", LiveScrape.KEPT))
        .isEqualTo(expires.getEpochSecond());
    assertThat(series(scraped.afterRevocation(), "renewal", LiveScrape.KEPT))
        .isEqualTo(renews.getEpochSecond());
    for (String gone : List.of(LiveScrape.REVOKED, LiveScrape.DELETED)) {
      assertThat(series(scraped.afterRevocation(), "expiration", gone))
          .as("no stale expiry series for %s", gone)
          .isNull();
      assertThat(series(scraped.afterRevocation(), "renewal", gone))
          .as("no stale renewal series for %s", gone)
          .isNull();
    }
  }

  @Test
  void eachApiTokenHasReadySeriesLikeCertManagersUntilItIsDeleted() {
    LiveScrape.Result scraped = LiveScrape.get();

    for (String name : List.of(LiveScrape.REVOKED, LiveScrape.DELETED, LiveScrape.KEPT)) {
      assertThat(ready(scraped.afterIssue(), name))
          .as("%s once issued", name)
          .isEqualTo(Map.of("True", 1.0, "False", 0.0, "Unknown", 0.0));
    }
    assertThat(ready(scraped.afterRevocation(), LiveScrape.KEPT))
        .isEqualTo(Map.of("True", 1.0, "False", 0.0, "Unknown", 0.0));
    assertThat(ready(scraped.afterRevocation(), LiveScrape.REVOKED))
        .as("revoked: Ready False, still listed")
        .isEqualTo(Map.of("True", 0.0, "False", 1.0, "Unknown", 0.0));
    assertThat(ready(scraped.afterRevocation(), LiveScrape.DELETED))
        .as("no series for a deleted ApiToken")
        .isEmpty();
  }

  @Test
  void buildInfoNamesTheVersion() {
    String scrape = LiveScrape.get().afterRevocation();

    assertThat(scrape)
        .containsPattern(
            "(?m)^apitoken_build_info\\{java_version=\"[^\"]+\",version=\""
                + Pattern.quote(BuildInfo.version())
                + "\"} 1(\\.0)?$");
  }

  @Test
  void leaderPendingPublicationAndStateSizeDescribeTheRun() {
    String scrape = LiveScrape.get().afterRevocation();

    assertThat(value(scrape, "apitoken_leader"))
        .as("leader election off: this replica leads")
        .isEqualTo(1);
    assertThat(value(scrape, "apitoken_trust_publish_pending_seconds"))
        .as("everything requested was published")
        .isZero();
    assertThat(value(scrape, "apitoken_state_size_ratio"))
        .as("a few small ConfigMaps against 1 MiB")
        .isGreaterThan(0)
        .isLessThan(0.01);
  }

  private static double value(String scrape, String metric) {
    Matcher sample =
        Pattern.compile("^" + Pattern.quote(metric) + " (\\S+)$", Pattern.MULTILINE)
            .matcher(scrape);
    assertThat(sample.find()).as("%s on /metrics", metric).isTrue();
    return Double.parseDouble(sample.group(1));
  }

  /** {@code apitoken_ready_status} of the ApiToken, by its condition label. */
  private static Map<String, Double> ready(String scrape, String name) {
    Matcher sample =
        Pattern.compile(
                "^apitoken_ready_status\\{condition=\"(\\w+)\",name=\""
                    + Pattern.quote(name)
                    + "\",namespace=\""
                    + LiveScrape.NAMESPACE
                    + "\"} (\\S+)$",
                Pattern.MULTILINE)
            .matcher(scrape);
    Map<String, Double> byCondition = new java.util.TreeMap<>();
    while (sample.find()) {
      byCondition.put(sample.group(1), Double.parseDouble(sample.group(2)));
    }
    return byCondition;
  }

  /** The value of {@code apitoken_token_<kind>_timestamp_seconds} for the ApiToken, or null. */
  private static Double series(String scrape, String kind, String name) {
    Matcher sample =
        Pattern.compile(
                "^apitoken_token_"
                    + kind
                    + "_timestamp_seconds\\{name=\""
                    + Pattern.quote(name)
                    + "\",namespace=\""
                    + LiveScrape.NAMESPACE
                    + "\"} (\\S+)$",
                Pattern.MULTILINE)
            .matcher(scrape);
    return sample.find() ? Double.parseDouble(sample.group(1)) : null;
  }

  private static List<String> documentedMetrics() throws Exception {
    String page =
        Files.readString(
            Path.of(System.getProperty("repo.root", "..")).resolve("docs/OBSERVABILITY.md"));
    String observability = page.substring(page.indexOf("\n## Metrics"));
    observability = observability.substring(0, observability.indexOf("\n## ", 1));
    List<String> names = new ArrayList<>();
    Matcher row = DOCUMENTED.matcher(observability);
    while (row.find()) {
      if (row.group(2).equals("histogram")) {
        // A histogram is served as its buckets, sum and count.
        List.of("_bucket", "_sum", "_count").forEach(suffix -> names.add(row.group(1) + suffix));
      } else {
        names.add(row.group(1));
      }
    }
    return names;
  }
}
