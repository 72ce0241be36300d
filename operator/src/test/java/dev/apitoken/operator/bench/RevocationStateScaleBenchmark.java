package dev.apitoken.operator.bench;

import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.publish.TrustConfigMapWriter;
import dev.apitoken.operator.publish.TrustPublisher;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.ConfigMapIndexBlockStore;
import dev.apitoken.operator.token.KeyRing;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Revocation state at the scale issue 8 asks for: {@code bench.issued} (10,000,000) indices issued,
 * {@code bench.revoked} (1,000,000) of them revoked at random indices, each expiring on a random
 * day of the next {@code bench.days} (365). Fixed seed.
 *
 * <ol>
 *   <li>Builds that state with the operator's own code (revocation store, published copies) and
 *       stores it in the mock API as an operator that had been running would have left it: ledger
 *       shards, issue-record shards, the index counter, and every copy in {@code bench.namespaces}
 *       (20) namespaces plus the operator's. Issue records are stored for the revoked tokens only
 *       (1,000,000 records); the size of a full record shard (every index of the block issued) is
 *       computed separately.
 *   <li>Starts the operator and times start to the first complete publish (every shard written to
 *       every target namespace, as {@link TrustPublisher#isPublished} reports it).
 *   <li>Issues {@code bench.tokens} (300) ApiTokens and revokes them one at a time: each is timed
 *       from the revoke patch until every copy, seen through a watch, marks its index INVALID. The
 *       time therefore includes the reconcile that leads to {@code record()}: an upper bound.
 *   <li>Reads back every object of every kind from the API and reports the largest, against the 512
 *       KiB target (serialized JSON of the whole object, metadata included).
 * </ol>
 */
public final class RevocationStateScaleBenchmark {
  private static final long SEED = 20260101L;
  private static final long TARGET_BYTES = 512 * 1024;

  private RevocationStateScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    long issued = Long.getLong("bench.issued", 10_000_000);
    int revokedCount = Integer.getInteger("bench.revoked", 1_000_000);
    int days = Integer.getInteger("bench.days", 365);
    int count = Integer.getInteger("bench.tokens", 300);
    int namespaceCount = Integer.getInteger("bench.namespaces", 20);
    List<String> namespaces = BenchCluster.namespaces("team", namespaceCount);
    int targets = namespaceCount + 1;
    Instant now = Instant.now();

    System.out.printf(
        "RevocationStateScaleBenchmark: %,d indices issued, %,d revoked (random index, expiry"
            + " random over %d days), %d target namespaces, %d CPUs, seed %d%n",
        issued, revokedCount, days, targets, Runtime.getRuntime().availableProcessors(), SEED);

    long t = System.nanoTime();
    State state = State.build(issued, revokedCount, days, now);
    System.out.printf(
        "  state built in memory in %.1f s: %d revocation store shards, %d copy shards%n",
        (System.nanoTime() - t) / 1e9,
        state.records.size(),
        TrustDocument.shards(TrustDocument.coverage(issued)));
    printFullRecordShard(now);
    if (Boolean.getBoolean("bench.sizesOnly")) {
      OperatorConfig config =
          ConfigLoader.load(
              new String[] {"--operator-namespace=" + BenchCluster.OPERATOR_NAMESPACE}, Map.of());
      List<String> all = new ArrayList<>(namespaces);
      all.add(BenchCluster.OPERATOR_NAMESPACE);
      printSizes(config, configMaps(config, state, all));
      return;
    }

    try (BenchCluster cluster = new BenchCluster("revocation-state-scale")) {
      List<String> all = new ArrayList<>(namespaces);
      all.add(BenchCluster.OPERATOR_NAMESPACE);
      cluster.createNamespaces(all);
      t = System.nanoTime();
      int stored = preload(cluster, state, all);
      System.out.printf(
          "  preloaded %,d ConfigMaps into the mock API in %.1f s%n",
          stored, (System.nanoTime() - t) / 1e9);

      // A sample of revoked indices from every copy shard: published means all of them are in.
      List<Long> sample = state.sample(64);
      long start = System.nanoTime();
      cluster.startOperator();
      long started = System.nanoTime();
      TrustPublisher publisher = cluster.operator().trustPublisher();
      await()
          .pollInterval(Duration.ofMillis(10))
          .atMost(Duration.ofMinutes(10))
          .until(
              () ->
                  publisher.isPublished(sample) && publisher.targetNamespaces().size() == targets);
      long published = System.nanoTime();
      System.out.printf(
          "  operator start() returned           %8.0f ms%n", (started - start) / 1e6);
      System.out.printf(
          "  operator start -> first complete publish %6.0f ms (%d namespaces x %d shards)%n",
          (published - start) / 1e6, targets, TrustDocument.shards(TrustDocument.coverage(issued)));
      Quiet.until(cluster.requests());
      System.out.printf(
          "  operator API requests during start: %d%n",
          RequestCounter.total(cluster.requests().snapshot()));

      measureLatency(cluster, namespaces, targets, count);
      printSizes(
          cluster.config(), cluster.client().configMaps().inAnyNamespace().list().getItems());
      System.out.printf(
          "  heap used after GC: %.1f MiB (operator + mock API holding all of the above +"
              + " benchmark)%n",
          BenchCluster.heapUsedMiB());
    }
    System.exit(0);
  }

  /** Everything the operator keeps, built with its own classes. */
  private record State(
      long issued,
      RevokedRecords ledger,
      Map<Long, IssueRecordShard> records,
      long[] revoked,
      String jwks,
      String statusListUri) {

    static State build(long issued, int revokedCount, int days, Instant now) {
      Random random = new Random(SEED);
      BitSet chosen = new BitSet();
      int n = 0;
      while (n < revokedCount) {
        int index = (int) (random.nextDouble() * issued);
        if (!chosen.get(index)) {
          chosen.set(index);
          n++;
        }
      }
      long[] revoked = chosen.stream().asLongStream().toArray();
      Map<Long, List<IssueRecord>> byShard = new TreeMap<>();
      for (long index : revoked) {
        Instant exp = now.plusSeconds(3600 + (long) (random.nextDouble() * days * 86_400L));
        byShard
            .computeIfAbsent(IndexSpace.recordShardOf(index), k -> new ArrayList<>())
            .add(record(index, exp, random, true));
      }
      Map<Long, IssueRecordShard> records = new TreeMap<>();
      byShard.forEach((k, list) -> records.put(k, IssueRecordShard.EMPTY.with(list)));
      RevokedRecords ledger = RevokedRecords.empty();
      for (IssueRecordShard shard : records.values()) {
        ledger = ledger.with(shard.records());
      }
      String jwks = KeyRing.create(now, new SecureRandom()).publicJwks();
      return new State(issued, ledger, records, revoked, jwks, "https://apitoken.dev/status");
    }

    /** {@code per} revoked indices from each copy shard, spread over it. */
    List<Long> sample(int per) {
      List<Long> sample = new ArrayList<>();
      int shards = TrustDocument.shards(TrustDocument.coverage(issued));
      for (int k = 0; k < shards; k++) {
        long from = k * IndexSpace.COPY_SHARD_SIZE;
        long to = from + IndexSpace.COPY_SHARD_SIZE;
        long[] inShard = Arrays.stream(revoked).filter(i -> i >= from && i < to).toArray();
        for (int i = 0; i < per && inShard.length > 0; i++) {
          sample.add(inShard[(int) ((long) i * inShard.length / per)]);
        }
      }
      return sample;
    }
  }

  /**
   * A record as the operator writes it: a real uid, namespace/name, a 22-character jti. Names are
   * as long as a typical generated name ({@code team-07/bench-0123456}).
   */
  private static IssueRecord record(long index, Instant exp, Random random, boolean revoked) {
    String uid = new java.util.UUID(random.nextLong(), random.nextLong()).toString();
    byte[] jti = new byte[16];
    random.nextBytes(jti);
    return new IssueRecord(
        index,
        exp,
        uid,
        String.format("team-%02d", random.nextInt(20)),
        String.format("bench-%07d", index),
        java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(jti),
        revoked);
  }

  /** A record shard when every index of its block was issued (records kept for all tokens). */
  private static void printFullRecordShard(Instant now) {
    Random random = new Random(SEED);
    List<IssueRecord> full = new ArrayList<>();
    long base = 9_000_000L / IndexSpace.RECORD_SHARD_SIZE * IndexSpace.RECORD_SHARD_SIZE;
    for (int i = 0; i < IndexSpace.RECORD_SHARD_SIZE; i++) {
      full.add(record(base + i, now.plus(Duration.ofDays(365)), random, true));
    }
    Map<String, String> data = IssueRecordShard.EMPTY.with(full).encode();
    System.out.printf(
        "  issue-record shard with every one of its %,d indices recorded (and revoked): %s data"
            + " (%.1f%% of 512 KiB)%n",
        IndexSpace.RECORD_SHARD_SIZE,
        kib(StatusListSizeBenchmark.dataBytes(data)),
        100.0 * StatusListSizeBenchmark.dataBytes(data) / TARGET_BYTES);
  }

  /** Stores the state as ConfigMaps, from 8 client threads; returns how many. */
  private static int preload(BenchCluster cluster, State state, List<String> namespaces) {
    List<ConfigMap> maps = configMaps(cluster.config(), state, namespaces);
    ExecutorService pool = Executors.newFixedThreadPool(8, BenchCluster.named("bench-preload"));
    try {
      CompletableFuture.allOf(
              maps.stream()
                  .map(
                      m ->
                          CompletableFuture.runAsync(
                              () -> cluster.client().resource(m).create(), pool))
                  .toArray(CompletableFuture[]::new))
          .join();
    } finally {
      pool.shutdown();
    }
    return maps.size();
  }

  /** The state as the ConfigMaps an operator that had been running would have left. */
  private static List<ConfigMap> configMaps(
      OperatorConfig config, State state, List<String> namespaces) {
    String ns = BenchCluster.OPERATOR_NAMESPACE;
    List<ConfigMap> maps = new ArrayList<>();
    state.records.forEach(
        (shard, records) ->
            maps.add(
                map(
                    ns,
                    config.issueRecordsConfigMapPrefix() + "-" + shard,
                    "issue-records",
                    records.encode())));
    maps.add(
        map(
            ns,
            config.stateConfigMapName(),
            "state",
            Map.of(ConfigMapIndexBlockStore.NEXT_INDEX_KEY, Long.toString(state.issued))));
    long coverage = TrustDocument.coverage(state.issued);
    for (int k = 0; k < TrustDocument.shards(coverage); k++) {
      Map<String, String> data =
          TrustDocument.shard(k, state.jwks, state.ledger, coverage, config.statusListUri());
      for (String target : namespaces) {
        ConfigMap copy =
            map(
                target,
                TrustDocument.configMapName(config.trustConfigMapName(), k),
                TrustConfigMapWriter.COMPONENT,
                data);
        maps.add(copy);
      }
    }
    return maps;
  }

  private static ConfigMap map(
      String namespace, String name, String component, Map<String, String> data) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withLabels(Labels.managed(component))
        .endMetadata()
        .withData(data)
        .build();
  }

  private static void measureLatency(
      BenchCluster cluster, List<String> namespaces, int targets, int count) throws Exception {
    String trustName = cluster.config().trustConfigMapName();
    try (Tracker<ApiToken> tokens =
            new Tracker<>(cluster.client().resources(ApiToken.class).inAnyNamespace());
        Tracker<ConfigMap> copies = TrustCopies.track(cluster.client())) {
      tokens.expectCount(count, IssuanceBenchmark::ready);
      long issueStart = System.nanoTime();
      cluster.createAll(BenchCluster.tokens(count, namespaces), 8);
      tokens.await(Duration.ofMinutes(10));
      System.out.printf(
          "  %d ApiTokens issued on top (all Ready) in %.1f s%n",
          count, (System.nanoTime() - issueStart) / 1e9);
      Quiet.until(cluster.requests());
      List<ApiToken> ready = new ArrayList<>(tokens.snapshot().values());
      ready.sort(Comparator.comparing(tk -> tk.getMetadata().getName()));

      long trustWritesBefore = cluster.operator().trustPublisher().configMapWrites();
      Map<String, Long> before = cluster.requests().snapshot();
      double[] millis = new double[count];
      for (int i = 0; i < count; i++) {
        ApiToken token = ready.get(i);
        List<Long> indices = TrustCopies.indices(token);
        int shard = IndexSpace.copyShardOf(indices.get(0));
        String name = TrustDocument.configMapName(trustName, shard);
        copies.expectCount(
            targets,
            map -> map.getMetadata().getName().equals(name) && allRevoked(map, shard, indices));
        long start = System.nanoTime();
        TrustCopies.revoke(cluster.client(), token);
        millis[i] = (copies.await(Duration.ofMinutes(1)) - start) / 1e6;
      }
      Quiet.until(cluster.requests());
      long trustWrites = cluster.operator().trustPublisher().configMapWrites() - trustWritesBefore;
      Map<String, Long> used = RequestCounter.difference(cluster.requests().snapshot(), before);
      double[] sorted = millis.clone();
      Arrays.sort(sorted);
      System.out.printf(
          "  revocation latency, %d sequential revocations, patch -> all %d copies INVALID:%n"
              + "    p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms, min %.0f ms%n",
          count,
          targets,
          RevocationLatencyBenchmark.percentile(sorted, 50),
          RevocationLatencyBenchmark.percentile(sorted, 90),
          RevocationLatencyBenchmark.percentile(sorted, 99),
          sorted[count - 1],
          sorted[0]);
      System.out.printf(
          "    first 10 (ms): %s%n",
          Arrays.toString(Arrays.stream(millis).limit(10).mapToLong(Math::round).toArray()));
      long total = RequestCounter.total(used);
      System.out.printf(
          "    trust ConfigMap writes %d (%.1f per revocation); operator API requests %d (%.1f per"
              + " revocation)%n",
          trustWrites, (double) trustWrites / count, total, (double) total / count);
    }
  }

  private static boolean allRevoked(ConfigMap map, int shard, List<Long> indices) {
    String json =
        map.getData() == null ? null : map.getData().get(TrustDocument.statusListKey(shard));
    if (json == null) {
      return false;
    }
    StatusList list = StatusListDocument.parse(json).statusList();
    return indices.stream().allMatch(i -> i < list.size() && list.get(i) == StatusList.INVALID);
  }

  /** The stored objects of every kind, read back from the API: count and largest. */
  private static void printSizes(OperatorConfig config, List<ConfigMap> stored) {
    Map<String, List<ConfigMap>> byKind = new TreeMap<>();
    for (ConfigMap map : stored) {
      String component =
          map.getMetadata().getLabels() == null
              ? null
              : map.getMetadata().getLabels().get(Labels.COMPONENT);
      String kind =
          switch (component == null ? "" : component) {
            case "issue-records" ->
                "issue-record shard (" + config.issueRecordsConfigMapPrefix() + "-<n>)";
            case "state" -> "index state (" + config.stateConfigMapName() + ")";
            case TrustConfigMapWriter.COMPONENT ->
                "published copy (" + config.trustConfigMapName() + "[-k], every namespace)";
            default -> null;
          };
      if (kind != null) {
        byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(map);
      }
    }
    System.out.println(
        "  stored objects (serialized JSON, metadata included), target < 512 KiB each:");
    System.out.printf("    %-58s %7s %12s %12s %s%n", "kind", "objects", "largest", "total", "");
    byKind.forEach(
        (kind, maps) -> {
          long largest = 0;
          String largestName = "";
          long total = 0;
          for (ConfigMap map : maps) {
            long bytes = Serialization.asJson(map).getBytes(StandardCharsets.UTF_8).length;
            total += bytes;
            if (bytes > largest) {
              largest = bytes;
              largestName = map.getMetadata().getName();
            }
          }
          System.out.printf(
              "    %-58s %7d %12s %12s %s (%s, %.1f%% of 512 KiB)%n",
              kind,
              maps.size(),
              kib(largest),
              kib(total),
              largest < TARGET_BYTES ? "OK" : "OVER",
              largestName,
              100.0 * largest / TARGET_BYTES);
        });
  }

  private static String kib(long bytes) {
    return String.format("%.1f KiB", bytes / 1024.0);
  }
}
