package dev.apitoken.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The mirror lays out and swaps versions like the kubelet's atomic writer. */
class KubeletVolumeTest {
  @Test
  void eachVersionIsSwappedInThroughTheDataLink() throws Exception {
    Path dir;
    try (KubeletVolume volume = KubeletVolume.createTemporary("kubelet-volume-test-")) {
      dir = volume.dir();
      String first = volume.publish(Map.of("jwks.json", "one", "status-list.json", "a"));

      assertThat(first).matches("\\.\\.\\d{4}(_\\d{2}){5}\\.\\d+");
      assertThat(Files.readSymbolicLink(dir.resolve("..data"))).isEqualTo(Path.of(first));
      assertThat(Files.readSymbolicLink(dir.resolve("jwks.json")))
          .isEqualTo(Path.of("..data", "jwks.json"));
      assertThat(Files.readString(dir.resolve("jwks.json"))).isEqualTo("one");

      String second = volume.publish(Map.of("jwks.json", "two"));

      assertThat(second).isNotEqualTo(first);
      assertThat(Files.readString(dir.resolve("jwks.json"))).isEqualTo("two");
      assertThat(dir.resolve(first)).doesNotExist();
      assertThat(
              Files.exists(
                  dir.resolve("status-list.json"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .as("a key removed from the ConfigMap disappears")
          .isFalse();
      try (Stream<Path> entries = Files.list(dir)) {
        assertThat(entries.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("..data", second, "jwks.json");
      }
    }
    assertThat(dir).doesNotExist();
  }
}
