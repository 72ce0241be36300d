package dev.apitoken.gateway;

import dev.apitoken.verifier.VerifiedTokenCache;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * The gateway's Prometheus metrics, rendered as text on the management port. Counting is lock-free
 * ({@link LongAdder}), so the request path never waits on a scrape.
 */
final class GatewayMetrics {
  /**
   * Upper bounds of the duration histogram, in seconds: a cache hit is well under a millisecond.
   */
  static final double[] BUCKETS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1
  };

  private final LongAdder[][] requests =
      new LongAdder[Endpoint.values().length][Outcome.values().length];
  private final LongAdder[] durationBuckets = new LongAdder[BUCKETS.length];
  private final LongAdder durationCount = new LongAdder();
  private final LongAdder durationNanos = new LongAdder();
  private final LongAdder policyReloadsSucceeded = new LongAdder();
  private final LongAdder policyReloadsFailed = new LongAdder();

  GatewayMetrics() {
    for (LongAdder[] row : requests) {
      for (int i = 0; i < row.length; i++) {
        row[i] = new LongAdder();
      }
    }
    for (int i = 0; i < durationBuckets.length; i++) {
      durationBuckets[i] = new LongAdder();
    }
  }

  void recordRequest(Endpoint endpoint, Outcome outcome, long nanos) {
    requests[endpoint.ordinal()][outcome.ordinal()].increment();
    durationCount.increment();
    durationNanos.add(nanos);
    double seconds = nanos / 1e9;
    for (int i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]) {
        durationBuckets[i].increment();
        break;
      }
    }
  }

  void recordPolicyReload(boolean succeeded) {
    (succeeded ? policyReloadsSucceeded : policyReloadsFailed).increment();
  }

  long requests(Endpoint endpoint, Outcome outcome) {
    return requests[endpoint.ordinal()][outcome.ordinal()].sum();
  }

  /**
   * The Prometheus text exposition (format 0.0.4).
   *
   * @param trustReady whether the verifier holds usable trust now
   * @param cache the verified-token cache's figures (all zero while it is off)
   */
  String render(BooleanSupplier trustReady, VerifiedTokenCache.Statistics cache) {
    StringBuilder out = new StringBuilder(4096);
    header(
        out, "apitoken_gateway_requests_total", "counter", "Auth requests answered, by outcome.");
    for (Endpoint endpoint : Endpoint.values()) {
      for (Outcome outcome : Outcome.values()) {
        out.append("apitoken_gateway_requests_total{endpoint=\"")
            .append(endpoint.label())
            .append("\",outcome=\"")
            .append(outcome.label())
            .append("\"} ")
            .append(requests(endpoint, outcome))
            .append('\n');
      }
    }
    header(
        out,
        "apitoken_gateway_request_duration_seconds",
        "histogram",
        "Time from receiving an auth request to answering it.");
    long cumulative = 0;
    for (int i = 0; i < BUCKETS.length; i++) {
      cumulative += durationBuckets[i].sum();
      out.append("apitoken_gateway_request_duration_seconds_bucket{le=\"")
          .append(format(BUCKETS[i]))
          .append("\"} ")
          .append(cumulative)
          .append('\n');
    }
    long count = durationCount.sum();
    out.append("apitoken_gateway_request_duration_seconds_bucket{le=\"+Inf\"} ")
        .append(count)
        .append('\n');
    out.append("apitoken_gateway_request_duration_seconds_sum ")
        .append(format(durationNanos.sum() / 1e9))
        .append('\n');
    out.append("apitoken_gateway_request_duration_seconds_count ").append(count).append('\n');

    header(
        out,
        "apitoken_gateway_policy_reloads_total",
        "counter",
        "Policy file loads after a change; a failed one keeps the previous policy.");
    out.append("apitoken_gateway_policy_reloads_total{outcome=\"succeeded\"} ")
        .append(policyReloadsSucceeded.sum())
        .append('\n');
    out.append("apitoken_gateway_policy_reloads_total{outcome=\"failed\"} ")
        .append(policyReloadsFailed.sum())
        .append('\n');

    header(
        out,
        "apitoken_gateway_trust_ready",
        "gauge",
        "1 when keys and every followed status list are held and fresh, else 0.");
    out.append("apitoken_gateway_trust_ready ")
        .append(trustReady.getAsBoolean() ? 1 : 0)
        .append('\n');

    header(out, "apitoken_gateway_cache_hits_total", "counter", "Verified-token cache hits.");
    out.append("apitoken_gateway_cache_hits_total ").append(cache.hits()).append('\n');
    header(out, "apitoken_gateway_cache_misses_total", "counter", "Verified-token cache misses.");
    out.append("apitoken_gateway_cache_misses_total ").append(cache.misses()).append('\n');
    header(out, "apitoken_gateway_cache_entries", "gauge", "Verified tokens held in the cache.");
    out.append("apitoken_gateway_cache_entries ").append(cache.entries()).append('\n');
    header(
        out,
        "apitoken_gateway_cache_hit_ratio",
        "gauge",
        "Hits divided by lookups since start (0 before the first lookup).");
    out.append("apitoken_gateway_cache_hit_ratio ").append(format(cache.hitRatio())).append('\n');
    return out.toString();
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  /** Plain decimal ({@code 0.0001}, not {@code 1.0E-4}), as Prometheus' own clients write it. */
  private static String format(double value) {
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }
}
