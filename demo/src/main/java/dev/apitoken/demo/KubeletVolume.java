package dev.apitoken.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A ConfigMap mounted as a directory, updated the way the kubelet's atomic writer does it: each
 * version is written to a fresh {@code ..<timestamp>} directory, the {@code ..data} symlink is
 * repointed to it in one rename, and the visible files are symlinks into {@code ..data/}. A reader
 * therefore sees either the whole old version or the whole new one, never a mix.
 */
public final class KubeletVolume implements AutoCloseable {
  static final String DATA_LINK = "..data";
  private static final DateTimeFormatter VERSION_NAME =
      DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss'.'");

  private final Path dir;

  private KubeletVolume(Path dir) {
    this.dir = dir;
  }

  /** An empty volume in a new temporary directory; {@link #close()} deletes it. */
  public static KubeletVolume createTemporary(String prefix) throws IOException {
    return new KubeletVolume(Files.createTempDirectory(prefix));
  }

  public Path dir() {
    return dir;
  }

  /**
   * Makes {@code files} (name to content, as in a ConfigMap's {@code data}) the volume's content.
   *
   * @return the new version's directory name, e.g. {@code ..2026_01_01_12_00_00.123}
   */
  public String publish(Map<String, String> files) throws IOException {
    String prefix = ZonedDateTime.now(ZoneOffset.UTC).format(VERSION_NAME);
    Path version = Files.createTempDirectory(dir, prefix);
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(version.resolve(file.getKey()), file.getValue());
    }
    Path data = dir.resolve(DATA_LINK);
    Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
    Path temporary = dir.resolve(DATA_LINK + "_tmp");
    Files.createSymbolicLink(temporary, version.getFileName());
    Files.move(
        temporary, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    for (String name : files.keySet()) {
      Path link = dir.resolve(name);
      if (!Files.isSymbolicLink(link)) {
        Files.createSymbolicLink(link, Path.of(DATA_LINK, name));
      }
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        if (!name.startsWith("..") && !files.containsKey(name)) {
          Files.delete(entry); // a key removed from the ConfigMap
        }
      }
    }
    if (previous != null) {
      deleteTree(previous);
    }
    return version.getFileName().toString();
  }

  @Override
  public void close() throws IOException {
    deleteTree(dir);
  }

  private static void deleteTree(Path root) throws IOException {
    // Files.walk does not follow symlinks, so only the links themselves are deleted.
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
