package dev.apitoken.operator.publish;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.runtime.OperatorMetrics;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the rounds delivered to each target namespace: the revocations its copies show, and the
 * namespaces whose API server refuses their copy (said once per namespace and answer; the gauge
 * {@code apitoken_trust_namespace_refusing} follows).
 */
final class Deliveries {
  private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

  private final String operatorNamespace;
  private final OperatorMetrics metrics;
  private final Map<String, RevokedRecords> publishedIn = new ConcurrentHashMap<>();
  private final Map<String, String> refusing = new ConcurrentHashMap<>();
  private final Set<String> warnedOutsideSelector = ConcurrentHashMap.newKeySet();

  Deliveries(String operatorNamespace, OperatorMetrics metrics) {
    this.operatorNamespace = operatorNamespace;
    this.metrics = metrics;
  }

  /** Every copy of {@code namespace} was written from {@code revoked}. */
  void delivered(String namespace, RevokedRecords revoked) {
    publishedIn.put(namespace, revoked);
  }

  /** A round completed over {@code targets}; {@code refusedNow}: those that refused, with why. */
  void roundCompleted(Set<String> targets, Map<String, String> refusedNow) {
    publishedIn.keySet().retainAll(targets);
    refusedNow.forEach(
        (namespace, reason) -> {
          if (!reason.equals(refusing.put(namespace, reason))) {
            LOG.warn(
                "{} {} {} {}",
                kv("event", "trust_copy_refused"),
                kv("namespace", namespace),
                kv("error", reason),
                kv("action", "retrying_other_namespaces_unaffected"));
            metrics.trustNamespaceRefusing(namespace, refusing::containsKey);
          }
        });
    for (String namespace : Set.copyOf(refusing.keySet())) {
      if (!refusedNow.containsKey(namespace)) {
        refusing.remove(namespace);
        if (targets.contains(namespace)) {
          LOG.info("{} {}", kv("event", "trust_copy_accepted_again"), kv("namespace", namespace));
        }
      }
    }
  }

  /** True when every given index is revoked in the copies of every one of {@code targets}. */
  boolean isPublished(Set<String> targets, Collection<Long> indices) {
    return targets.stream().allMatch(ns -> publishedIn(ns, indices));
  }

  /**
   * True when every given index is revoked in the operator namespace's copy and in every other
   * target's copy but those whose API server refuses the write (a quota, an admission policy): one
   * such namespace holds up nothing elsewhere, and gets the revocation once it accepts writes.
   */
  boolean isPublishedWhereWritable(Set<String> targets, Collection<Long> indices) {
    return publishedIn(operatorNamespace, indices)
        && targets.stream().allMatch(ns -> refusing.containsKey(ns) || publishedIn(ns, indices));
  }

  private boolean publishedIn(String namespace, Collection<Long> indices) {
    RevokedRecords published = publishedIn.get(namespace);
    // Revoked, not merely "forgotten": callers ask only about tokens that can still be valid.
    return published != null && indices.stream().allMatch(published::isRevoked);
  }

  /** Target namespaces whose last write was refused, with the API server's answer. */
  Map<String, String> refusing() {
    return Map.copyOf(refusing);
  }

  /** Says once per namespace that a copy outside the selector is kept up to date. */
  void warnOutsideSelector(Set<String> targets, Set<String> selected) {
    for (String ns : targets) {
      if (!ns.equals(operatorNamespace)
          && !selected.contains(ns)
          && warnedOutsideSelector.add(ns)) {
        LOG.warn(
            "{} {} {} {}",
            kv("event", "trust_copy_outside_selector"),
            kv("namespace", ns),
            kv("action", "kept_up_to_date"),
            kv("hint", "delete_the_copy_if_no_workload_mounts_it"));
      }
    }
    warnedOutsideSelector.retainAll(targets);
  }
}
