package dev.apitoken.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ say what the repository and the code do: every relative link and {@code
 * #anchor} resolves, every file a command or a path in backticks names exists, the defaults the
 * docs give are the code's and the chart's, the Service names in commands are the ones the chart
 * renders, and the library coordinates are the build's.
 */
class DocsConsistencyTest {
  private static final Path ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath();

  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)\\)");
  private static final Pattern INLINE_CODE = Pattern.compile("`[^`\\n]+`");
  private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$");
  private static final Pattern FILE_ARGUMENT =
      Pattern.compile("(?:\\s-f|--patch-file|--values)\\s+([^\\s'\"`|;&)]+)");
  private static final Pattern REPO_PATH =
      Pattern.compile(
          "^(?:\\./)?(?:examples|helm|crds|docs|build|\\.ci|operator|verifier|verifier-tools|format"
              + "|gateway|kubectl-plugin|demo|http)(?:/[A-Za-z0-9._-]+)*/?$");
  private static final Pattern FLAG_ROW =
      Pattern.compile("^\\| `--([a-z-]+)` \\| `([A-Z_]+)` \\| ([^|]+) \\|$", Pattern.MULTILINE);
  private static final Pattern FLAG_DEFAULT_IN_PROSE =
      Pattern.compile("`--([a-z-]+)`[^.;|`]{0,30}?default (\\d[\\d,]*(?:[smh]\\b)?)");
  private static final Pattern VALUE_ROW =
      Pattern.compile("^\\| (`[^|]+`) \\| (`[^|]+`) \\|", Pattern.MULTILINE);
  private static final Pattern IN_CLUSTER_URL =
      Pattern.compile("https?://([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\b");

  @Test
  void everyRelativeLinkAndAnchorResolves() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages()) {
      for (String target : links(prose(page))) {
        if (target.matches("^[a-z]+:.*")) {
          continue; // https:, mailto:
        }
        checked++;
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(where(page) + ": " + target + " (no such file)");
        } else if (hash >= 0) {
          String anchor = target.substring(hash + 1);
          if (!resolved.toString().endsWith(".md") || !anchors(resolved).contains(anchor)) {
            broken.add(where(page) + ": " + target + " (no such heading)");
          }
        }
      }
    }
    assertThat(checked).as("links checked").isGreaterThan(50);
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void everyFileACommandOrAPathNamesExists() throws IOException {
    List<String> missing = new ArrayList<>();
    for (Path page : pages()) {
      String text = Files.readString(page);
      Matcher argument = FILE_ARGUMENT.matcher(text);
      while (argument.find()) {
        String path = argument.group(1);
        if (!path.equals("-") && !path.contains("://") && !path.startsWith("<")) {
          requireExists(page, path, missing);
        }
      }
      Matcher code = INLINE_CODE.matcher(text);
      while (code.find()) {
        String path = code.group().substring(1, code.group().length() - 1);
        // "operator/.../realapi/" abbreviates a path; target/ holds build output.
        if (REPO_PATH.matcher(path).matches()
            && !path.contains("...")
            && !path.contains("/target/")) {
          requireExists(page, path, missing);
        }
      }
    }
    assertThat(missing).as("files named in the docs").isEmpty();
  }

  @Test
  void theOperatorFlagsTableGivesTheCodesDefaults() throws IOException {
    String install = Files.readString(ROOT.resolve("docs/INSTALL.md"));
    Map<String, String> env = Map.of("POD_NAMESPACE", "apitoken-system");
    OperatorConfig defaults = ConfigLoader.load(new String[0], env);
    Matcher row = FLAG_ROW.matcher(install);
    Set<String> documented = new TreeSet<>();
    while (row.find()) {
      String flag = row.group(1);
      documented.add(flag);
      assertThat(row.group(2)).as("env of --%s", flag).isEqualTo(ConfigLoader.envName(flag));
      Matcher value = Pattern.compile("^`([^`<]*)`").matcher(row.group(3).strip());
      if (value.find()) { // "the pod's namespace", "all namespaces", `<issuer>/...`: not a value
        String arg = "--" + flag + "=" + value.group(1);
        assertThat(ConfigLoader.load(new String[] {arg}, env))
            .as("%s is the default the table gives", arg)
            .isEqualTo(defaults);
      }
    }
    assertThat(documented).as("flags in the table").hasSizeGreaterThan(15);
  }

  /** "(`--status-max-waiters`, default 4,000)" anywhere in the docs is the code's default. */
  @Test
  void flagDefaultsNamedInProseAreTheCodes() throws IOException {
    Map<String, String> env = Map.of("POD_NAMESPACE", "apitoken-system");
    OperatorConfig defaults = ConfigLoader.load(new String[0], env);
    List<String> checked = new ArrayList<>();
    for (Path page : pages()) {
      Matcher mention = FLAG_DEFAULT_IN_PROSE.matcher(prose(page));
      while (mention.find()) {
        String arg = "--" + mention.group(1) + "=" + mention.group(2).replace(",", "");
        OperatorConfig loaded;
        try {
          loaded = ConfigLoader.load(new String[] {arg}, env);
        } catch (RuntimeException notAnOperatorFlag) {
          continue; // a flag of the gateway, the plugin or a benchmark
        }
        checked.add(where(page) + ": " + arg);
        assertThat(loaded).as("%s in %s is the default", arg, where(page)).isEqualTo(defaults);
      }
    }
    assertThat(checked).as("defaults named in prose").isNotEmpty();
  }

  @Test
  void theChartValuesTableGivesTheChartsDefaults() throws IOException {
    JsonNode values =
        new YAMLMapper().readTree(ROOT.resolve("helm/apitoken-operator/values.yaml").toFile());
    String install = Files.readString(ROOT.resolve("docs/INSTALL.md"));
    String table = install.substring(install.indexOf("\n## The values that matter"));
    table = table.substring(0, table.indexOf("\n## ", 1));
    Matcher row = VALUE_ROW.matcher(table);
    int checked = 0;
    while (row.find()) {
      List<String> keys = codeSpans(row.group(1));
      List<String> defaults = codeSpans(row.group(2));
      if (keys.size() != defaults.size() || !row.group(2).matches("(`[^`]+`( / )?)+\\s*")) {
        continue; // "appVersion", "all namespaces": not a literal
      }
      for (int i = 0; i < keys.size(); i++) {
        JsonNode node = values;
        for (String part : keys.get(i).split("\\.")) {
          node = node.path(part);
        }
        assertThat(node.isValueNode()).as("values.yaml has %s", keys.get(i)).isTrue();
        assertThat(node.asText()).as("default of %s", keys.get(i)).isEqualTo(defaults.get(i));
        checked++;
      }
    }
    assertThat(checked).as("chart defaults checked").isGreaterThan(8);
  }

  /** {@code curl http://<service>.<namespace>.svc/...}: the chart renders that Service. */
  @Test
  void serviceNamesInCommandsAreTheOnesTheChartRenders() throws IOException {
    Helm helm = Helm.get();
    Helm.Result rendered =
        helm.run(
            "template",
            "apitoken-operator",
            helm.chart().toString(),
            "--namespace",
            "apitoken-system",
            "--set",
            "gateway.enabled=true");
    assertThat(rendered.exitCode()).as(rendered.toString()).isZero();
    Set<String> services = new TreeSet<>();
    try (MappingIterator<JsonNode> documents =
        new YAMLMapper().readerFor(JsonNode.class).readValues(rendered.stdout())) {
      while (documents.hasNextValue()) {
        JsonNode document = documents.nextValue();
        if (document != null && "Service".equals(document.path("kind").asText())) {
          services.add(
              document.at("/metadata/name").asText()
                  + "."
                  + document.at("/metadata/namespace").asText());
        }
      }
    }
    Set<String> named = new LinkedHashSet<>();
    for (Path page : pages()) {
      Matcher url = IN_CLUSTER_URL.matcher(Files.readString(page));
      while (url.find()) {
        if (url.group(2).equals("apitoken-system")) {
          named.add(url.group(1) + "." + url.group(2));
        }
      }
    }
    assertThat(named).as("Services the docs name").isNotEmpty();
    assertThat(services).as("Services of release apitoken-operator").containsAll(named);
  }

  @Test
  void theReadmesLibraryCoordinatesAreTheBuilds() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    Matcher version =
        Pattern.compile("<artifactId>apitoken-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(pom);
    assertThat(version.find()).isTrue();
    assertThat(readme)
        .contains("<groupId>dev.apitoken</groupId>")
        .contains("<artifactId>apitoken-verifier</artifactId>")
        .contains("<version>" + version.group(1) + "</version>");
    assertThat(ROOT.resolve("verifier/pom.xml"))
        .content()
        .contains("<artifactId>apitoken-verifier</artifactId>");
    assertThatCode(() -> Files.readString(ROOT.resolve("LICENSE"))).doesNotThrowAnyException();
    assertThat(ROOT.resolve("LICENSE"))
        .content()
        .contains("Apache License", "Version 2.0, January 2004");
  }

  private static void requireExists(Path page, String path, List<String> missing) {
    Path resolved = ROOT.resolve(path.startsWith("./") ? path.substring(2) : path).normalize();
    if (!Files.exists(resolved)) {
      missing.add(where(page) + ": " + path);
    }
  }

  /** README, CHANGELOG, docs/*.md and the READMEs under examples/. */
  private static List<Path> pages() throws IOException {
    List<Path> pages =
        new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("CHANGELOG.md")));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    try (Stream<Path> examples = Files.walk(ROOT.resolve("examples"))) {
      examples
          .filter(p -> p.getFileName().toString().equals("README.md"))
          .filter(p -> !p.toString().contains("node_modules"))
          .sorted()
          .forEach(pages::add);
    }
    return pages;
  }

  /** The page without fenced code blocks and inline code: where links and headings live. */
  private static String prose(Path page) {
    StringBuilder prose = new StringBuilder();
    boolean inFence = false;
    for (String line : read(page).split("\n", -1)) {
      if (line.strip().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      if (!inFence) {
        prose.append(line).append('\n');
      }
    }
    return prose.toString();
  }

  private static List<String> links(String prose) {
    List<String> targets = new ArrayList<>();
    // Link text may hold inline code; a link inside inline code is not a link.
    Matcher link = LINK.matcher(prose);
    while (link.find()) {
      targets.add(link.group(1));
    }
    return targets;
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1 for twins. */
  static Set<String> anchors(Path page) {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(page).split("\n")) {
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        String slug = slug(heading.group(1));
        int twin = seen.merge(slug, 1, Integer::sum) - 1;
        anchors.add(twin == 0 ? slug : slug + "-" + twin);
      }
    }
    return anchors;
  }

  static String slug(String heading) {
    StringBuilder slug = new StringBuilder();
    heading
        .strip()
        .toLowerCase(java.util.Locale.ROOT)
        .codePoints()
        .filter(c -> Character.isLetterOrDigit(c) || c == ' ' || c == '-' || c == '_')
        .forEach(c -> slug.appendCodePoint(c == ' ' ? '-' : c));
    return slug.toString();
  }

  private static List<String> codeSpans(String cell) {
    List<String> spans = new ArrayList<>();
    Matcher code = INLINE_CODE.matcher(cell);
    while (code.find()) {
      spans.add(code.group().substring(1, code.group().length() - 1));
    }
    return spans;
  }

  private static String read(Path page) {
    try {
      return Files.readString(page);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String where(Path page) {
    return ROOT.relativize(page).toString();
  }
}
