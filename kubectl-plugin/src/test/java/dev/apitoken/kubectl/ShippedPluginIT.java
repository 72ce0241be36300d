package dev.apitoken.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The plugin as it ships, after {@code package}: the launcher next to the jar and its class-data
 * archive, the krew archive and manifest, and kubectl's own completion asking the plugin.
 */
class ShippedPluginIT {
  private static final Path PLUGIN = Path.of(System.getProperty("plugin.dir", "."));
  private static final Path KREW = PLUGIN.resolve("target/krew");

  @Test
  void theKrewManifestNamesAnArchiveThatHoldsEveryFileItInstalls() throws Exception {
    JsonNode manifest =
        new ObjectMapper(new YAMLFactory()).readTree(KREW.resolve("apitoken.yaml").toFile());
    assertThat(manifest.path("apiVersion").asText())
        .isEqualTo("krew.googlecontainertools.github.com/v1alpha2");
    assertThat(manifest.path("kind").asText()).isEqualTo("Plugin");
    assertThat(manifest.path("metadata").path("name").asText()).isEqualTo("apitoken");
    assertThat(manifest.path("spec").path("version").asText()).matches("v\\d+\\.\\d+\\.\\d+.*");
    JsonNode platform = manifest.path("spec").path("platforms").get(0);
    String archiveName =
        platform.path("uri").asText().substring(platform.path("uri").asText().lastIndexOf('/') + 1);
    Path archive = KREW.resolve(archiveName);
    assertThat(archive).exists();
    assertThat(platform.path("sha256").asText()).isEqualTo(sha256(archive));

    Map<String, Integer> modes = tarEntries(archive);
    List<String> installed = new ArrayList<>();
    platform.path("files").forEach(f -> installed.add(f.path("from").asText()));
    boolean licensed = Files.exists(PLUGIN.resolve("../LICENSE"));
    for (String from : installed) {
      if (from.equals("LICENSE") && !licensed) {
        continue; // the archive carries the repository's LICENSE once there is one
      }
      assertThat(modes).as("archive entries").containsKey(from);
    }
    String bin = platform.path("bin").asText();
    assertThat(bin).isEqualTo("kubectl-apitoken");
    assertThat(modes.get(bin) & 0111).as("bin is executable").isNotZero();
    assertThat(modes.get("kubectl_complete-apitoken") & 0111).isNotZero();
  }

  @Test
  void kubectlCompletesThePluginsCommandsThroughItsCompletionHelper() throws Exception {
    String kubectl = onPath("kubectl");
    ProcessBuilder pb =
        new ProcessBuilder(kubectl, "__complete", "apitoken", "status", "-o", "")
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PATH", PLUGIN.toAbsolutePath() + ":" + System.getenv("PATH"));
    String out = run(pb);
    assertThat(out.lines()).contains("json", "yaml", "name", "wide", "jsonpath=", ":4");
  }

  @Test
  void theLauncherStartsWithTheClassDataArchive() throws Exception {
    assertThat(PLUGIN.resolve("target/kubectl-apitoken.jsa")).exists();
    ProcessBuilder pb =
        new ProcessBuilder("bash", PLUGIN.resolve("kubectl-apitoken").toString(), "--version")
            .redirectErrorStream(true);
    pb.environment().put("KUBECTL_APITOKEN_JAVA_OPTS", "-Xshare:on");
    // -Xshare:on fails the start instead of running without the archive.
    assertThat(run(pb)).isEqualTo("kubectl-apitoken 0.1.0\n");
  }

  private static String onPath(String command) {
    for (String dir : System.getenv("PATH").split(":")) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return Path.of(dir, command).toString();
      }
    }
    Path tools = PLUGIN.resolve("../.tools/bin").resolve(command);
    assertThat(tools).as(command + " on PATH or in .tools/bin").isExecutable();
    return tools.toString();
  }

  private static String run(ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** Entry names and modes of a .tar.gz (ustar headers: name at 0, mode at 100, size at 124). */
  private static Map<String, Integer> tarEntries(Path archive) throws IOException {
    Map<String, Integer> entries = new java.util.TreeMap<>();
    try (InputStream in =
        new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive)))) {
      byte[] header = new byte[512];
      String longName = null;
      while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
        String name = field(header, 0, 100);
        int mode = Integer.parseInt(field(header, 100, 8).trim(), 8);
        long size = Long.parseLong(field(header, 124, 12).trim(), 8);
        String prefix = field(header, 345, 155);
        byte type = header[156];
        byte[] body = in.readNBytes((int) ((size + 511) / 512 * 512));
        if (type == 'L' || type == 'x') {
          longName =
              type == 'L'
                  ? new String(body, 0, (int) size, StandardCharsets.UTF_8).trim()
                  : longName;
          continue;
        }
        String full = longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
        longName = null;
        entries.put(full, mode);
      }
    }
    return entries;
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }
}
