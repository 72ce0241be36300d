package dev.apitoken.operator.bench;

import dev.apitoken.operator.api.ApiToken;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * How long one revocation takes to reach every workload's copy: 20 target namespaces plus the
 * operator's, {@code bench.revocations} (100) Ready ApiTokens, revoked one at a time; each is timed
 * from the patch call until all 21 trust ConfigMaps, seen through a watch, mark its index INVALID.
 * Includes the operator's reconcile, the ledger write, the publish round and the mock API; not the
 * kubelet's own ConfigMap refresh (60-90 s by default), which comes on top in a real cluster.
 *
 * <p>System properties: {@code bench.revocations} (100), {@code bench.namespaces} (20). To see the
 * same at scale, {@code bench.preload.issued} (say 1000000) starts the operator with that many
 * indices already reserved and {@code bench.preload.revoked} (a share, say 0.01) of them already in
 * the ledger, their expiry spread at random over {@code bench.preload.days} (365) days: the ledger
 * and status list then have their production size, and every write pays for it.
 */
public final class RevocationLatencyBenchmark {
  private RevocationLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("bench.revocations", 100);
    int namespaceCount = Integer.getInteger("bench.namespaces", 20);
    List<String> namespaces = BenchCluster.namespaces("team", namespaceCount);
    int targets = namespaceCount + 1;
    long preloadIssued = Long.getLong("bench.preload.issued", 0);
    double preloadRevoked = Double.parseDouble(System.getProperty("bench.preload.revoked", "0"));
    int preloadDays = Integer.getInteger("bench.preload.days", 365);

    try (BenchCluster cluster = new BenchCluster("revocation-latency")) {
      List<String> all = new ArrayList<>(namespaces);
      all.add(BenchCluster.OPERATOR_NAMESPACE);
      cluster.createNamespaces(all);
      if (preloadIssued > 0) {
        preload(cluster, preloadIssued, preloadRevoked, preloadDays);
      }
      cluster.startOperator();
      try (Tracker<ApiToken> tokens =
              new Tracker<>(cluster.client().resources(ApiToken.class).inAnyNamespace());
          Tracker<ConfigMap> copies = TrustCopies.track(cluster.client())) {
        tokens.expectCount(count, IssuanceBenchmark::ready);
        cluster.createAll(BenchCluster.tokens(count, namespaces), 8);
        tokens.await(Duration.ofMinutes(5));
        Quiet.until(cluster.requests());
        List<ApiToken> ready = new ArrayList<>(tokens.snapshot().values());
        ready.sort(Comparator.comparing(t -> t.getMetadata().getName()));

        long trustWritesBefore = cluster.operator().trustPublisher().configMapWrites();
        Map<String, Long> before = cluster.requests().snapshot();
        double[] millis = new double[count];
        for (int i = 0; i < count; i++) {
          ApiToken token = ready.get(i);
          List<Long> indices = TrustCopies.indices(token);
          copies.expectCount(targets, map -> TrustCopies.allRevoked(map, indices));
          long start = System.nanoTime();
          TrustCopies.revoke(cluster.client(), token);
          long everywhere = copies.await(Duration.ofMinutes(1));
          millis[i] = (everywhere - start) / 1e6;
        }
        Quiet.until(cluster.requests());
        long trustWrites =
            cluster.operator().trustPublisher().configMapWrites() - trustWritesBefore;
        Map<String, Long> used = RequestCounter.difference(cluster.requests().snapshot(), before);

        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        System.out.printf(
            "RevocationLatencyBenchmark: %d sequential revocations, %d target namespaces, %d CPUs%n",
            count, targets, Runtime.getRuntime().availableProcessors());
        if (preloadIssued > 0) {
          System.out.printf(
              "  preloaded: %,d indices reserved, %.0f%% of them revoked, expiry over %d days;"
                  + " status-list.json %,d bytes%n",
              preloadIssued,
              preloadRevoked * 100,
              preloadDays,
              copies
                  .snapshot()
                  .values()
                  .iterator()
                  .next()
                  .getData()
                  .get("status-list.json")
                  .length());
        }
        System.out.printf(
            "  patch -> all %d copies INVALID: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms,"
                + " min %.0f ms, mean %.0f ms%n",
            targets,
            percentile(sorted, 50),
            percentile(sorted, 90),
            percentile(sorted, 99),
            sorted[count - 1],
            sorted[0],
            Arrays.stream(millis).average().orElse(0));
        System.out.printf(
            "  first 10 (ms): %s%n",
            Arrays.toString(Arrays.stream(millis).limit(10).mapToLong(Math::round).toArray()));
        System.out.printf(
            "  trust ConfigMap writes: %d (%.1f per revocation, %d target namespaces)%n",
            trustWrites, (double) trustWrites / count, targets);
        long total = RequestCounter.total(used);
        System.out.printf(
            "  operator API requests: %d (%.2f per revocation)%n", total, (double) total / count);
        used.forEach(
            (key, n) ->
                System.out.printf("    %-34s %7d  %6.2f/revocation%n", key, n, (double) n / count));
      }
    }
    System.exit(0);
  }

  /**
   * Stores, before the operator starts, what an installation that has issued {@code issued} tokens
   * holds: the index counter and the revoked records, as the operator itself would have written
   * them.
   */
  private static void preload(BenchCluster cluster, long issued, double revoked, int days) {
    var config = cluster.config();
    java.util.Map<Long, java.util.List<dev.apitoken.operator.revocation.IssueRecord>> byShard =
        new java.util.TreeMap<>();
    StatusListSizeBenchmark.revokedRecords(revoked, days, false, java.time.Instant.now(), issued)
        .forEach(
            r ->
                byShard
                    .computeIfAbsent(
                        dev.apitoken.operator.revocation.IndexSpace.recordShardOf(r.index()),
                        k -> new java.util.ArrayList<>())
                    .add(r));
    byShard.forEach(
        (shard, records) ->
            cluster
                .client()
                .configMaps()
                .inNamespace(BenchCluster.OPERATOR_NAMESPACE)
                .resource(
                    new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                        .withNewMetadata()
                        .withName(config.issueRecordsConfigMapPrefix() + "-" + shard)
                        .withLabels(
                            dev.apitoken.operator.kubernetes.Labels.managed("issue-records"))
                        .endMetadata()
                        .withData(
                            dev.apitoken.operator.revocation.IssueRecordShard.EMPTY
                                .with(records)
                                .encode())
                        .build())
                .create());
    cluster
        .client()
        .configMaps()
        .inNamespace(BenchCluster.OPERATOR_NAMESPACE)
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName(config.stateConfigMapName())
                .withLabels(dev.apitoken.operator.kubernetes.Labels.managed("state"))
                .endMetadata()
                .addToData(
                    dev.apitoken.operator.store.ConfigMapIndexBlockStore.NEXT_INDEX_KEY,
                    Long.toString(issued))
                .build())
        .create();
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
