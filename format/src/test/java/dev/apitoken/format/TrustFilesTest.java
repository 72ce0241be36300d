package dev.apitoken.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.status.StatusListShards;
import org.junit.jupiter.api.Test;

/** The names docs/TRUST-FORMAT.md gives the files of a trust directory. */
class TrustFilesTest {

  @Test
  void shardZeroSitsWithTheKeys() {
    assertThat(TrustFiles.JWKS).isEqualTo("jwks.json");
    assertThat(TrustFiles.statusList(0)).isEqualTo("status-list.json");
    assertThat(TrustFiles.statusListToken(0)).isEqualTo("status-list.jwt");
  }

  @Test
  void laterShardsAreNumbered() {
    assertThat(TrustFiles.statusList(1)).isEqualTo("status-list-1.json");
    assertThat(TrustFiles.statusListToken(15)).isEqualTo("status-list-15.jwt");
  }

  @Test
  void noFileForAShardThatCannotExist() {
    assertThatThrownBy(() -> TrustFiles.statusList(StatusListShards.MAX_SHARDS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TrustFiles.statusListToken(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
