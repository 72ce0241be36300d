package dev.apitoken.operator.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every kind of object holding revocation state stays below 512 KiB in its worst case, so no write
 * of it can ever meet the API server's 1 MiB limit.
 */
class ShardSizeTest {
  private static final long LIMIT = 512 * 1024;
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  private static long bytes(Map<String, String> data) {
    return data.entrySet().stream()
        .mapToLong(e -> e.getKey().length() + e.getValue().length())
        .sum();
  }

  @Test
  void aFullIssueRecordShardWithLongestNamesStaysBelowTheLimit() {
    List<IssueRecord> records = new ArrayList<>();
    String namespace = "n".repeat(63);
    String name = "a".repeat(253);
    for (int i = 0; i < IndexSpace.RECORD_SHARD_SIZE; i++) {
      records.add(
          new IssueRecord(
              i,
              NOW.plusSeconds(31_536_000L),
              "0f8fad5b-d9cb-469f-a165-70867728950e",
              namespace,
              name,
              "AAAAAAAAAAAAAAAAAAAAAA",
              true));
    }
    Map<String, String> data = IssueRecordShard.EMPTY.with(records).encode();
    System.out.printf("full revocation store shard: %,d bytes%n", bytes(data));
    assertThat(bytes(data)).isLessThan(LIMIT);
    assertThat(IssueRecordShard.decode(data).records()).containsExactlyElementsOf(records);
  }

  /** A copy shard as published, with 64 bytes for its keys' framing. */
  private static long copyShardBytes(byte[] bits) {
    return WorstCaseCopyShard.bytes(WorstCaseCopyShard.data(bits)) + 64;
  }

  /**
   * The JSON and the signed list carry the same bits, the signed one base64url-encoded once more:
   * about 3.1 times the compressed list. A shard whose revoked tokens are spread at random stays
   * within the budget up to about 12% of its 2,097,152 indices revoked (262,144 tokens)...
   */
  @Test
  void aPublishedCopyShardWithAnEighthOfItsIndicesRevokedAtRandomStaysBelowTheLimit() {
    long bytes = copyShardBytes(WorstCaseCopyShard.randomlyRevoked(0.12, 3));
    System.out.printf("copy shard, 12%% revoked at random: %,d bytes%n", bytes);
    assertThat(bytes).isLessThan(LIMIT);
  }

  /**
   * ...and even an incompressible one (half of every index revoked, at random) stays below the API
   * server's 1 MiB object limit, though not within the 512 KiB budget: see
   * docs/REVOCATION-STATE.md.
   */
  @Test
  void anIncompressiblePublishedCopyShardStaysBelowTheApiServerLimit() {
    long bytes = copyShardBytes(WorstCaseCopyShard.incompressible(2));
    System.out.printf("incompressible copy shard: %,d bytes%n", bytes);
    // 1 MiB for the whole object; 16 KiB left for metadata (names, labels, annotations).
    assertThat(bytes).isLessThan(1024 * 1024 - 16 * 1024);
  }
}
