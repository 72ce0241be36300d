package dev.apitoken.operator.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Ready condition of every ApiToken, like cert-manager's {@code
 * certmanager_certificate_ready_status}: {@code apitoken_ready_status{namespace,name,condition}},
 * three series per ApiToken (condition "True", "False", "Unknown"), the one matching its Ready
 * condition at 1 and the others at 0, so {@code apitoken_ready_status{condition="False"} == 1}
 * alerts on every ApiToken that is not Ready. The series stay while the ApiToken exists (a revoked
 * one reads Ready False) and are removed when it is deleted.
 */
final class TokenReadyGauges {
  static final String READY = "apitoken.ready.status";
  static final List<String> CONDITIONS = List.of("True", "False", "Unknown");

  private record ApiTokenName(String namespace, String name) {}

  /** The Ready status the ApiToken's gauges read; replaced in place so they stay registered. */
  private static final class Series {
    volatile String ready;
    final List<Gauge> gauges = new ArrayList<>();
  }

  private final MeterRegistry registry;
  private final Map<ApiTokenName, Series> byApiToken = new HashMap<>();

  TokenReadyGauges(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** The ApiToken's Ready condition is {@code ready}; anything but True or False is Unknown. */
  synchronized void set(String namespace, String name, String ready) {
    ApiTokenName key = new ApiTokenName(namespace, name);
    Series series = byApiToken.get(key);
    String status = CONDITIONS.contains(ready) ? ready : "Unknown";
    if (series == null) {
      series = new Series();
      series.ready = status;
      byApiToken.put(key, series);
      for (String condition : CONDITIONS) {
        series.gauges.add(gauge(key, series, condition));
      }
    }
    series.ready = status;
  }

  synchronized void remove(String namespace, String name) {
    Series series = byApiToken.remove(new ApiTokenName(namespace, name));
    if (series != null) {
      series.gauges.forEach(registry::remove);
    }
  }

  private Gauge gauge(ApiTokenName key, Series series, String condition) {
    Tags tags = Tags.of("namespace", key.namespace(), "name", key.name(), "condition", condition);
    // A gauge left by an earlier operator in this process would read that operator's values. By
    // id, not registry.find(): a search scans every meter, three per ApiToken.
    registry.removeByPreFilterId(new Meter.Id(READY, tags, null, null, Meter.Type.GAUGE));
    return Gauge.builder(READY, series, s -> condition.equals(s.ready) ? 1 : 0)
        .description("The ApiToken's Ready condition: 1 on the series of its current status")
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }
}
