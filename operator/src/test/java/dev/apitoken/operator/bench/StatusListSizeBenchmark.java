package dev.apitoken.operator.bench;

import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.token.KeyRing;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Sizes of what the operator stores and publishes at scale, from the real code (no Kubernetes): the
 * {@code status-list.json} every target namespace receives, and the ledger ConfigMap ({@link
 * RevokedRecords#encode()}), for 1,000,000 issued tokens with 1%, 10% and 50% revoked at random
 * indices (fixed seed). Also times compose, and the ledger operations every revocation pays.
 *
 * <p>Expiry days are assigned two ways: "random" (a token's expiry day independent of its index:
 * the worst case for the ledger, every day's bit array spans all indices) and "in order" (indices
 * handed out in issue order and one TTL, so a day's indices are contiguous: the best case).
 */
public final class StatusListSizeBenchmark {
  private static final long ISSUED = 1_000_000;
  private static final long SEED = 20260101L;
  private static final int CONFIGMAP_LIMIT = 1024 * 1024;
  private static final double DRAFT_KB_1M_1PCT = 13.7;
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private StatusListSizeBenchmark() {}

  public static void main(String[] args) {
    String uri = ConfigLoader.load(new String[] {}, Map.of()).statusListUri();
    String jwks = KeyRing.create(NOW, new SecureRandom()).publicJwks();
    long published = TrustDocument.coverage(ISSUED);
    System.out.printf(
        "StatusListSizeBenchmark: %,d tokens issued, published list %,d entries (%,d bytes raw),"
            + " seed %d%n",
        ISSUED, published, published / 8, SEED);
    System.out.printf("  jwks.json (one key): %,d bytes%n%n", utf8(jwks));

    System.out.println(
        "  revoked   zlib bytes  status-list.json  trust ConfigMap  vs draft 13.7 KB  % of 1 MiB");
    for (double share : new double[] {0.01, 0.10, 0.50}) {
      RevokedRecords ledger = ledger(share, 30, false);
      Map<String, String> files = TrustDocument.compose(jwks, ledger, ISSUED, uri);
      String statusList = files.get(TrustDocument.STATUS_LIST_KEY);
      int zlib = Base64.getUrlDecoder().decode(StatusListDocument.parse(statusList).lst()).length;
      long configMap = dataBytes(files);
      System.out.printf(
          "  %5.0f%%  %11s  %16s  %15s  %16s  %9.1f%%%n",
          share * 100,
          kb(zlib),
          kb(utf8(statusList)),
          kb(configMap),
          share == 0.01 ? String.format("%.2fx", zlib / 1000.0 / DRAFT_KB_1M_1PCT) : "",
          100.0 * configMap / CONFIGMAP_LIMIT);
    }

    System.out.println();
    RevokedRecords tenPercent = ledger(0.10, 30, false);
    double[] compose = timings(() -> TrustDocument.compose(jwks, tenPercent, ISSUED, uri), 5, 30);
    System.out.printf(
        "  TrustDocument.compose, 10%% revoked over 30 days: median %.1f ms, min %.1f ms,"
            + " max %.1f ms (30 runs after 5 warm-up)%n",
        compose[0], compose[1], compose[2]);
    RevokedRecords worst = ledger(0.10, 365, false);
    double[] composeWorst = timings(() -> TrustDocument.compose(jwks, worst, ISSUED, uri), 3, 10);
    System.out.printf(
        "  TrustDocument.compose, 10%% revoked over 365 days (random): median %.1f ms%n",
        composeWorst[0]);
  }

  /**
   * {@code share} of {@link #ISSUED} indices revoked, chosen at random; expiry days over {@code
   * days}, at random or following the index.
   */
  static RevokedRecords ledger(double share, int days, boolean inOrder) {
    return ledger(share, days, inOrder, NOW, ISSUED);
  }

  /**
   * As {@link #ledger(double, int, boolean)}, over {@code issued} indices, with expiry days counted
   * from {@code from}.
   */
  static RevokedRecords ledger(double share, int days, boolean inOrder, Instant from, long issued) {
    return RevokedRecords.empty().with(revokedRecords(share, days, inOrder, from, issued));
  }

  /** The revoked records of {@link #ledger(double, int, boolean, Instant, long)}. */
  static List<IssueRecord> revokedRecords(
      double share, int days, boolean inOrder, Instant from, long issued) {
    Random random = new Random(SEED);
    int revoked = (int) Math.round(issued * share);
    long[] indices =
        random.ints(0, (int) issued).distinct().limit(revoked).asLongStream().toArray();
    Arrays.sort(indices);
    List<IssueRecord> tokens = new ArrayList<>(revoked);
    for (long index : indices) {
      int day = inOrder ? (int) (index * days / issued) : random.nextInt(days);
      tokens.add(
          IssueRecord.revokedUnowned(index, from.plus(Duration.ofDays(day)).plusSeconds(3600)));
    }
    return tokens;
  }

  static long dataBytes(Map<String, String> data) {
    return data.entrySet().stream().mapToLong(e -> utf8(e.getKey()) + utf8(e.getValue())).sum();
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String kb(long bytes) {
    return String.format("%.1f KB", bytes / 1000.0);
  }

  /** Median, min and max milliseconds of {@code runs} timed calls after {@code warmup}. */
  static double[] timings(Supplier<?> work, int warmup, int runs) {
    for (int i = 0; i < warmup; i++) {
      work.get();
    }
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      work.get();
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(ms);
    return new double[] {ms[runs / 2], ms[0], ms[runs - 1]};
  }
}
