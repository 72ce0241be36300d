package dev.apitoken.verifier;

import static dev.apitoken.format.status.StatusListShards.INDEX_LIMIT;
import static dev.apitoken.format.status.StatusListShards.SHARD_SIZE;
import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.STATUS_URI;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.format.status.StatusListShards;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Status lists split into shard files ({@code status-list.json}, {@code status-list-<k>.json}), as
 * a projected volume of the trust ConfigMaps lays them out in one directory.
 */
class StatusListShardsTest {
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final String JWKS = TestKey.jwks(KEY);

  @TempDir Path dir;
  private KubeletVolume volume;
  private TokenVerifier verifier;

  @BeforeEach
  void volume() {
    volume = new KubeletVolume(dir);
  }

  @AfterEach
  void close() {
    if (verifier != null) {
      verifier.close();
    }
  }

  /**
   * Shard {@code shard}'s file: a list over {@code [0, end)} with {@code revoked} set, indices
   * below the shard included (they must mean nothing).
   */
  static String shardFile(int shard, long end, String uri, long... revoked) {
    StatusList list = new StatusList(1, end);
    for (long idx : revoked) {
      list.set(idx, StatusList.INVALID);
    }
    assertThat(end).isLessThanOrEqualTo((shard + 1) * SHARD_SIZE);
    return StatusListDocument.of(list, uri).toJson();
  }

  /** Every shard full; in shard k the first and last index revoked, and junk below the shard. */
  static Map<String, String> allShards() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("jwks.json", JWKS);
    for (int k = 0; k < StatusListShards.MAX_SHARDS; k++) {
      long first = k * SHARD_SIZE;
      long last = first + SHARD_SIZE - 1;
      long[] revoked =
          k == 0 ? new long[] {first, last} : new long[] {first, last, 5, first - 2, first - 3};
      files.put(TrustFiles.statusList(k), shardFile(k, last + 1, STATUS_URI, revoked));
    }
    return files;
  }

  private TokenVerifier watching() {
    return TokenVerifier.builder()
        .trustDirectory(dir)
        .allowUnsignedStatusList()
        .expectedIssuer(ISSUER)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .pollInterval(Duration.ofMillis(50))
        .build();
  }

  private Optional<Rejection> verify(long idx) {
    return verifier.verify(TOKENS.token(claims(idx))).rejection();
  }

  private static Map<String, String> with(Map<String, String> files, String name, String json) {
    Map<String, String> changed = new LinkedHashMap<>(files);
    if (json == null) {
      changed.remove(name);
    } else {
      changed.put(name, json);
    }
    return changed;
  }

  @Test
  void looksUpBothSidesOfEveryShardBoundaryInTheRightFile() throws IOException {
    volume.publish(allShards());
    verifier = watching();

    assertThat(verify(0)).contains(Rejection.REVOKED);
    assertThat(verify(1)).isEmpty();
    for (int k = 1; k < StatusListShards.MAX_SHARDS; k++) {
      long boundary = k * SHARD_SIZE;
      assertThat(verify(boundary - 3)).as("idx %d", boundary - 3).isEmpty();
      assertThat(verify(boundary - 2)).as("idx %d", boundary - 2).isEmpty();
      assertThat(verify(boundary - 1)).as("idx %d", boundary - 1).contains(Rejection.REVOKED);
      assertThat(verify(boundary)).as("idx %d", boundary).contains(Rejection.REVOKED);
      assertThat(verify(boundary + 1)).as("idx %d", boundary + 1).isEmpty();
    }
    assertThat(verify(5)).as("junk below a shard means nothing").isEmpty();
    assertThat(verify(INDEX_LIMIT - 1)).contains(Rejection.REVOKED);
    assertThat(verify(INDEX_LIMIT - 2)).isEmpty();
  }

  @Test
  void anIndexOfTheLimitOrBeyondNeverExists() throws IOException {
    volume.publish(allShards());
    verifier = watching();

    assertThat(verify(INDEX_LIMIT)).contains(Rejection.STATUS_UNKNOWN);
    assertThat(verify(INDEX_LIMIT + SHARD_SIZE)).contains(Rejection.STATUS_UNKNOWN);
    assertThat(verify(Long.MAX_VALUE)).contains(Rejection.STATUS_UNKNOWN);
  }

  @Test
  void aMissingShardOrAnIndexBeyondItsListIsOutOfRange() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("jwks.json", JWKS);
    files.put("status-list.json", shardFile(0, 65_536, STATUS_URI));
    files.put("status-list-1.json", shardFile(1, SHARD_SIZE + 65_536, STATUS_URI));
    files.put("status-list-3.json", shardFile(3, 4 * SHARD_SIZE, STATUS_URI, 3 * SHARD_SIZE));
    volume.publish(files);
    verifier = watching();

    assertThat(verify(65_535)).isEmpty();
    assertThat(verify(65_536)).contains(Rejection.STATUS_UNKNOWN);
    assertThat(verify(SHARD_SIZE)).isEmpty();
    assertThat(verify(SHARD_SIZE + 65_536)).contains(Rejection.STATUS_UNKNOWN);
    assertThat(verify(2 * SHARD_SIZE)).contains(Rejection.STATUS_LIST_MISSING);
    assertThat(verify(3 * SHARD_SIZE - 1)).contains(Rejection.STATUS_LIST_MISSING);
    assertThat(verify(3 * SHARD_SIZE)).contains(Rejection.REVOKED);
    assertThat(verify(3 * SHARD_SIZE + 1)).isEmpty();
    assertThat(verify(4 * SHARD_SIZE)).contains(Rejection.STATUS_LIST_MISSING);
  }

  @Test
  void aShardWithAnotherUriRejectsTheTokensOfThatShardOnly() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("jwks.json", JWKS);
    files.put("status-list.json", shardFile(0, SHARD_SIZE, STATUS_URI));
    files.put("status-list-1.json", shardFile(1, 2 * SHARD_SIZE, "https://other.example/list"));
    files.put("status-list-2.json", shardFile(2, 3 * SHARD_SIZE, STATUS_URI));
    volume.publish(files);
    verifier = watching();

    assertThat(verify(SHARD_SIZE - 1)).isEmpty();
    assertThat(verify(SHARD_SIZE)).contains(Rejection.STATUS_UNKNOWN);
    assertThat(verify(2 * SHARD_SIZE - 1)).contains(Rejection.STATUS_UNKNOWN);
    assertThat(verify(2 * SHARD_SIZE)).isEmpty();
  }

  @Test
  void aBadShardFileFailsTheWholeReloadAndKeepsTheLastGoodTrust() throws IOException {
    Map<String, String> good = new LinkedHashMap<>();
    good.put("jwks.json", JWKS);
    good.put("status-list.json", shardFile(0, 65_536, STATUS_URI));
    good.put("status-list-2.json", shardFile(2, 2 * SHARD_SIZE + 65_536, STATUS_URI));
    volume.publish(good);
    verifier = watching();
    long inShard2 = 2 * SHARD_SIZE + 7;
    assertThat(verify(inShard2)).isEmpty();

    // Shard 0 now revokes index 3, but shard 2 is broken: none of it may be used.
    Map<String, String> bad =
        with(
            with(good, "status-list.json", shardFile(0, 65_536, STATUS_URI, 3)),
            "status-list-2.json",
            "{\"bits\":1,\"lst\":\"not zlib\",\"uri\":\"" + STATUS_URI + "\"}");
    volume.publish(bad);

    await().atMost(Duration.ofSeconds(2)).until(() -> verifier.failedReloads() == 1);
    assertThat(verifier.lastReloadStatus().ok()).isFalse();
    assertThat(verifier.lastReloadStatus().message()).contains("status-list-2.json");
    assertThat(verify(3)).isEmpty();
    assertThat(verify(inShard2)).isEmpty();
  }

  @Test
  void followsShardFilesAppearingAndDisappearingAndKeepsTheirRevocations() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("jwks.json", JWKS);
    files.put("status-list.json", shardFile(0, SHARD_SIZE, STATUS_URI));
    volume.publish(files);
    verifier = watching();
    long idx = 5 * SHARD_SIZE + 1;
    long valid = idx - 1;
    assertThat(verify(idx)).contains(Rejection.STATUS_LIST_MISSING);

    volume.publish(with(files, "status-list-5.json", shardFile(5, idx + 1, STATUS_URI, idx)));

    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(verify(idx)).contains(Rejection.REVOKED));
    assertThat(verify(valid)).isEmpty();
    assertThat(verifier.lastReloadStatus().message()).contains("status-list-5.json");

    volume.publish(files);

    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(verify(valid)).contains(Rejection.STATUS_LIST_MISSING));
    assertThat(verify(idx)).as("a revocation once seen is final").contains(Rejection.REVOKED);
    assertThat(verify(1)).isEmpty();
  }

  @Test
  void aSingleStatusListLongerThanOneShardIsReadForTheFirstShardOnly() throws IOException {
    // Written before shards existed: one file covering indices of shard 1 too. Those belong to
    // status-list-1.json now, so without that file they are out of range.
    Map<String, String> files = new LinkedHashMap<>();
    files.put("jwks.json", JWKS);
    StatusList list = new StatusList(1, 2 * SHARD_SIZE);
    list.set(SHARD_SIZE - 1, StatusList.INVALID);
    files.put("status-list.json", StatusListDocument.of(list, STATUS_URI).toJson());
    volume.publish(files);
    verifier = watching();

    assertThat(verify(SHARD_SIZE - 1)).contains(Rejection.REVOKED);
    assertThat(verify(SHARD_SIZE - 2)).isEmpty();
    assertThat(verify(SHARD_SIZE)).contains(Rejection.STATUS_LIST_MISSING);
  }

  @Test
  void filesThatAreNotShardsAreIgnored() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("jwks.json", JWKS);
    files.put("status-list.json", shardFile(0, 65_536, STATUS_URI));
    // Not shard names: a leading zero, shard 16, and a name of another key.
    files.put("status-list-01.json", "junk");
    files.put("status-list-16.json", "junk");
    files.put("status-list-0.json", "junk");
    volume.publish(files);
    verifier = watching();

    assertThat(verifier.lastReloadStatus().ok()).isTrue();
    assertThat(verify(1)).isEmpty();
    assertThat(verify(SHARD_SIZE + 1)).contains(Rejection.STATUS_LIST_MISSING);
  }
}
