package dev.apitoken.operator.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * One expiry and one renewal series per ApiToken with a valid token, like cert-manager's {@code
 * certmanager_certificate_expiration_timestamp_seconds}: {@code
 * apitoken_token_expiration_timestamp_seconds{namespace,name}} and {@code
 * apitoken_token_renewal_timestamp_seconds{namespace,name}}. A series is removed when its ApiToken
 * is revoked or deleted, so a scrape never shows a token that no longer counts.
 */
final class TokenExpiryGauges {
  static final String EXPIRATION = "apitoken.token.expiration.timestamp";
  static final String RENEWAL = "apitoken.token.renewal.timestamp";

  private record ApiTokenName(String namespace, String name) {}

  /** Values a token's gauges read; replaced in place so the gauges stay registered. */
  private static final class Series {
    volatile double expiresAt;
    volatile double renewalAt;
    Gauge expiry;
    Gauge renewal;
  }

  private final MeterRegistry registry;
  private final Map<ApiTokenName, Series> byApiToken = new HashMap<>();

  TokenExpiryGauges(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** Sets the ApiToken's series; {@code renewalAt} null removes its renewal series. */
  synchronized void set(String namespace, String name, Instant expiresAt, Instant renewalAt) {
    Objects.requireNonNull(expiresAt, "expiresAt");
    ApiTokenName key = new ApiTokenName(namespace, name);
    Series series = byApiToken.computeIfAbsent(key, k -> new Series());
    series.expiresAt = epochSeconds(expiresAt);
    if (series.expiry == null) {
      series.expiry =
          gauge(EXPIRATION, key, series, s -> s.expiresAt, "When the ApiToken's token expires");
    }
    if (renewalAt == null) {
      removeRenewal(series);
      return;
    }
    series.renewalAt = epochSeconds(renewalAt);
    if (series.renewal == null) {
      series.renewal =
          gauge(
              RENEWAL,
              key,
              series,
              s -> s.renewalAt,
              "When the operator renews the ApiToken's token");
    }
  }

  synchronized void remove(String namespace, String name) {
    Series series = byApiToken.remove(new ApiTokenName(namespace, name));
    if (series != null) {
      registry.remove(series.expiry);
      removeRenewal(series);
    }
  }

  private void removeRenewal(Series series) {
    if (series.renewal != null) {
      registry.remove(series.renewal);
      series.renewal = null;
    }
  }

  private Gauge gauge(
      String metric,
      ApiTokenName key,
      Series series,
      ToDoubleFunction<Series> value,
      String description) {
    // A gauge left by an earlier operator in this process would read that operator's values. By
    // id, not registry.find(): a search scans every meter, one per ApiToken.
    registry.removeByPreFilterId(
        new Meter.Id(
            metric,
            Tags.of("namespace", key.namespace(), "name", key.name()),
            "seconds",
            null,
            Meter.Type.GAUGE));
    return Gauge.builder(metric, series, value)
        .description(description + ", in seconds since the epoch")
        .baseUnit("seconds")
        .tag("namespace", key.namespace())
        .tag("name", key.name())
        .strongReference(true)
        .register(registry);
  }

  private static double epochSeconds(Instant instant) {
    return instant.toEpochMilli() / 1000.0;
  }
}
