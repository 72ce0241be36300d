package dev.apitoken.format.status;

import static dev.apitoken.format.status.StatusListShards.SHARD_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TrustFiles;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A shard file's list keeps only the bytes of its own shard in memory. */
class StatusListShardDecodeTest {

  @ParameterizedTest
  @CsvSource({"1, 0", "1, 1", "1, 15", "2, 7", "8, 3", "4, 15"})
  void keepsOnlyTheBytesOfItsShard(int bits, int shard) {
    long first = shard * SHARD_SIZE;
    StatusList full = new StatusList(bits, first + SHARD_SIZE);
    full.set(first, 1);
    full.set(first + SHARD_SIZE - 1, 1);
    if (shard > 0) {
      full.set(first - 1, 1);
    }

    StatusList window = StatusList.decodeShard(bits, full.encodeLst(), shard);

    assertThat(window.firstIndex()).isEqualTo(first);
    assertThat(window.size()).isEqualTo(first + SHARD_SIZE);
    assertThat(window.toBytes()).hasSize((int) (SHARD_SIZE * bits / 8));
    assertThat(window.get(first)).isEqualTo(1);
    assertThat(window.get(first + 1)).isZero();
    assertThat(window.get(first + SHARD_SIZE - 1)).isEqualTo(1);
    if (shard > 0) {
      assertThatThrownBy(() -> window.get(first - 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
    assertThatThrownBy(() -> window.get(first + SHARD_SIZE))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @ParameterizedTest
  @CsvSource({"0, 65536, 65536", "1, 65536, 2097152", "1, 2162688, 2162688", "2, 4194304, 4194304"})
  void aListEndingBeforeOrInsideItsShardCoversUpToItsEnd(int shard, long end, long size) {
    StatusList window = StatusList.decodeShard(1, new StatusList(1, end).encodeLst(), shard);

    assertThat(window.size()).isEqualTo(Math.max(size, shard * SHARD_SIZE));
    assertThat(window.toBytes().length)
        .isEqualTo((int) ((window.size() - window.firstIndex()) / 8));
  }

  @ParameterizedTest
  @CsvSource({"1, 0", "1, 2", "8, 1"})
  void aListBeyondItsShardIsCutAtTheShardsEnd(int bits, int shard) {
    StatusList tooLong = new StatusList(bits, (shard + 3) * SHARD_SIZE);

    StatusList window = StatusList.decodeShard(bits, tooLong.encodeLst(), shard);

    assertThat(window.size()).isEqualTo((shard + 1) * SHARD_SIZE);
  }

  @ParameterizedTest
  @CsvSource({"-1", "16"})
  void thereAreSixteenShards(int shard) {
    assertThatThrownBy(() -> StatusList.decodeShard(1, "eJwDAAAAAAE", shard))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(StatusListShards.shardOf(StatusListShards.INDEX_LIMIT)).isEqualTo(-1);
    assertThat(StatusListShards.shardOf(StatusListShards.INDEX_LIMIT - 1)).isEqualTo(15);
    assertThat(TrustFiles.statusList(0)).isEqualTo("status-list.json");
    assertThat(TrustFiles.statusList(10)).isEqualTo("status-list-10.json");
  }

  @ParameterizedTest
  @CsvSource({"1"})
  void aWindowCannotBePublished(int shard) {
    StatusList window =
        StatusList.decodeShard(1, new StatusList(1, 2 * SHARD_SIZE).encodeLst(), shard);

    assertThatThrownBy(window::encodeLst).isInstanceOf(IllegalStateException.class);
  }
}
