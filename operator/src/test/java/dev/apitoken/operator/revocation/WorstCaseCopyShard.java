package dev.apitoken.operator.revocation;

import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.operator.token.StatusListTokenSigner;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The data of a published trust copy shard 0 (JWKS, the JSON list and its signed form of the same
 * bits) for a given bit array, with the longest status-list URI: what the publisher writes, to size
 * it ({@code ShardSizeTest}) and to offer it to a real API server.
 */
public final class WorstCaseCopyShard {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private WorstCaseCopyShard() {}

  public static Map<String, String> data(byte[] bits) {
    String uri = "https://" + "u".repeat(200) + "/15";
    StatusListDocument document = StatusListDocument.of(StatusList.ofBytes(1, bits), uri);
    SigningKey key = SigningKey.generate(NOW, new SecureRandom());
    String jwt =
        new StatusListTokenSigner(
                Duration.ofHours(1), Duration.ofSeconds(30), Clock.fixed(NOW, ZoneOffset.UTC))
            .sign(
                uri, 1, document.lst(), dev.apitoken.format.status.StatusListToken.Signed.NONE, key)
            .compact();
    Map<String, String> data = new LinkedHashMap<>();
    data.put(TrustFiles.JWKS, "{\"keys\":[" + "x".repeat(2_000) + "]}");
    data.put(TrustFiles.STATUS_LIST, document.toJson());
    data.put(TrustFiles.STATUS_LIST_TOKEN, jwt);
    return data;
  }

  /** Bytes of the data as the API server counts them against its limit: keys and values. */
  public static long bytes(Map<String, String> data) {
    return data.entrySet().stream()
        .mapToLong(e -> e.getKey().length() + e.getValue().length())
        .sum();
  }

  /** Every index of a full shard revoked with probability {@code fraction}. */
  public static byte[] randomlyRevoked(double fraction, long seed) {
    Random random = new Random(seed);
    byte[] bits = new byte[(int) (IndexSpace.COPY_SHARD_SIZE / 8)];
    for (int i = 0; i < IndexSpace.COPY_SHARD_SIZE; i++) {
      if (random.nextDouble() < fraction) {
        bits[i >>> 3] |= (byte) (1 << (i & 7));
      }
    }
    return bits;
  }

  /** Half of every index revoked at random: a list no compression shrinks. */
  public static byte[] incompressible(long seed) {
    byte[] bits = new byte[(int) (IndexSpace.COPY_SHARD_SIZE / 8)];
    new Random(seed).nextBytes(bits);
    return bits;
  }
}
