package dev.apitoken.verifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A ConfigMap volume as the kubelet's atomic writer lays it out: each version in a fresh {@code
 * ..<timestamp>} directory, {@code ..data} a symlink to it swapped by renaming {@code ..data_tmp}
 * over it, the visible files symlinks into {@code ..data/}, the previous version deleted after (and
 * the symlinks of files the new version no longer has). A projected volume of several ConfigMaps is
 * laid out the same way, all their files in one version.
 */
public final class KubeletVolume {
  private final Path dir;

  public KubeletVolume(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public void publish(Map<String, String> files) throws IOException {
    Path version = Files.createTempDirectory(dir, "..2026_01_01_00_00_00.");
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(version.resolve(file.getKey()), file.getValue());
    }
    Path data = dir.resolve("..data");
    Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
    Path temporary = dir.resolve("..data_tmp");
    Files.createSymbolicLink(temporary, version.getFileName());
    Files.move(temporary, data, StandardCopyOption.ATOMIC_MOVE);
    for (String name : files.keySet()) {
      if (!Files.isSymbolicLink(dir.resolve(name))) {
        Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
      }
    }
    if (previous != null) {
      try (Stream<Path> old = Files.list(previous)) {
        for (Path file : old.toList()) {
          // A key gone from the ConfigMap loses its visible symlink too.
          String name = file.getFileName().toString();
          if (!files.containsKey(name)) {
            Files.deleteIfExists(dir.resolve(name));
          }
          Files.delete(file);
        }
      }
      Files.delete(previous);
    }
  }
}
