package dev.apitoken.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every place that tells a user where to mount the trust ConfigMap names the same directory, so a
 * snippet copied from NOTES works with a command copied from the README or an example.
 */
class TrustMountPathTest {
  static final String TRUST_MOUNT = "/etc/apitoken-trust";
  private static final String TRUST_CONFIGMAP = "apitoken-trust";

  // A mount of something apitoken-ish, a --trust-dir flag, or trustDirectory(Path.of("...")).
  private static final Pattern MOUNT_PATH =
      Pattern.compile("mountPath:\\s*\"?(/etc/apitoken\\S*?)\"?\\s*$", Pattern.MULTILINE);
  private static final Pattern TRUST_DIR_FLAG =
      Pattern.compile("--trust-dir(?:[= ]|\\s*\\n\\s*-\\s*)\"?(/[^\\s\"]+)");
  private static final Pattern TRUST_DIRECTORY_CALL =
      Pattern.compile("trustDirectory\\(Path\\.of\\(\"(/[^\"]+)\"\\)");

  @Test
  void readmeDocsNotesAndExamplesMountTheTrustConfigMapAtOnePath() throws IOException {
    Path root = repoRoot();
    List<String> found = new ArrayList<>();
    for (Path file : userFacingFiles(root)) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      for (Pattern pattern : List.of(MOUNT_PATH, TRUST_DIR_FLAG, TRUST_DIRECTORY_CALL)) {
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
          found.add(root.relativize(file) + ": " + matcher.group(1));
        }
      }
    }
    assertThat(found)
        .as("the README, the chart's NOTES and the sample workload all show the trust mount")
        .anySatisfy(place -> assertThat(place).startsWith("README.md"))
        .anySatisfy(place -> assertThat(place).contains("NOTES.txt"))
        .anySatisfy(place -> assertThat(place).startsWith("examples"));
    assertThat(found).allSatisfy(place -> assertThat(place).endsWith(": " + TRUST_MOUNT));
  }

  /**
   * In YAML examples the volume (plain or projected) is followed to its mount, whatever the volume
   * is called.
   */
  @Test
  void everyExampleMountsTheTrustConfigMapVolumeAtThatPath() throws IOException {
    List<String> mounts = new ArrayList<>();
    try (Stream<Path> files = Files.walk(repoRoot().resolve("examples"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (JsonNode document : documents(file)) {
          collectTrustMounts(document, file.getFileName().toString(), mounts);
        }
      }
    }
    assertThat(mounts).isNotEmpty().allSatisfy(m -> assertThat(m).endsWith("-> " + TRUST_MOUNT));
  }

  private static void collectTrustMounts(JsonNode node, String file, List<String> mounts) {
    if (node.isContainerNode()) {
      JsonNode volumes = node.path("volumes");
      JsonNode containers = node.path("containers");
      if (volumes.isArray() && containers.isArray()) {
        Set<String> trustVolumes = new HashSet<>();
        for (JsonNode volume : volumes) {
          boolean projectsTrust = false;
          for (JsonNode source : volume.path("projected").path("sources")) {
            projectsTrust |= TRUST_CONFIGMAP.equals(source.path("configMap").path("name").asText());
          }
          if (projectsTrust
              || TRUST_CONFIGMAP.equals(volume.path("configMap").path("name").asText())) {
            trustVolumes.add(volume.path("name").asText());
          }
        }
        for (JsonNode container : containers) {
          for (JsonNode mount : container.path("volumeMounts")) {
            if (trustVolumes.contains(mount.path("name").asText())) {
              mounts.add(
                  file
                      + " "
                      + container.path("name").asText()
                      + " -> "
                      + mount.path("mountPath").asText());
            }
          }
        }
      }
      node.forEach(child -> collectTrustMounts(child, file, mounts));
    }
  }

  private static List<Path> userFacingFiles(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(root.resolve("README.md"));
    files.add(root.resolve("helm/apitoken-operator/templates/NOTES.txt"));
    for (String dir : List.of("docs", "examples")) {
      try (Stream<Path> walk = Files.walk(root.resolve(dir))) {
        walk.filter(Files::isRegularFile)
            .filter(f -> f.toString().matches(".*\\.(md|ya?ml|txt)$"))
            .sorted()
            .forEach(files::add);
      }
    }
    return files;
  }

  private static List<JsonNode> documents(Path file) {
    try (MappingIterator<JsonNode> docs =
        new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
      List<JsonNode> all = new ArrayList<>();
      while (docs.hasNextValue()) {
        JsonNode doc = docs.nextValue();
        if (doc != null) {
          all.add(doc);
        }
      }
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException(file.toString(), e);
    }
  }

  private static Path repoRoot() {
    return Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
  }
}
