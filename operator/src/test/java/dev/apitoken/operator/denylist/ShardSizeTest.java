package dev.apitoken.operator.denylist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.verifier.status.StatusList;
import dev.apitoken.verifier.status.StatusListDocument;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
  void aFullLedgerShardWithRandomExpiryDaysStaysBelowTheLimit() {
    Random random = new Random(1);
    List<RevokedToken> tokens = new ArrayList<>();
    for (int i = 0; i < IndexSpace.LEDGER_SHARD_SIZE; i++) {
      // Half already expired (they move to the forgotten set at random: incompressible), the rest
      // on any day up to the 16-bit horizon: the least compressible days there can be.
      long days = random.nextBoolean() ? -2 : random.nextInt(40_000);
      tokens.add(new RevokedToken(i, NOW.plusSeconds(86_400L * days)));
    }
    RevocationLedger ledger =
        RevocationLedger.empty().with(tokens).prune(NOW, IndexSpace.RETENTION_AFTER_EXPIRY);
    Map<String, String> data = ledger.encodeShards().get(0L);
    System.out.printf("full ledger shard: %,d bytes%n", bytes(data));
    assertThat(bytes(data)).isLessThan(LIMIT);
    assertThat(RevocationLedger.decodeShards(Map.of(0L, data))).isEqualTo(ledger);
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
    System.out.printf("full issue-record shard: %,d bytes%n", bytes(data));
    assertThat(bytes(data)).isLessThan(LIMIT);
    assertThat(IssueRecordShard.decode(data).records()).containsExactlyElementsOf(records);
  }

  @Test
  void anIncompressiblePublishedCopyShardStaysBelowTheLimit() {
    Random random = new Random(2);
    byte[] bits = new byte[(int) (IndexSpace.COPY_SHARD_SIZE / 8)];
    random.nextBytes(bits);
    String json =
        StatusListDocument.of(StatusList.ofBytes(1, bits), "https://" + "u".repeat(200)).toJson();
    String jwks = "{\"keys\":[" + "x".repeat(2_000) + "]}";
    System.out.printf("incompressible copy shard: %,d bytes%n", json.length() + jwks.length());
    assertThat((long) json.length() + jwks.length()).isLessThan(LIMIT);
  }
}
