package dev.apitoken.operator.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/TRUST-FORMAT.md shows every recipe file exactly as it is in {@code examples/recipes/}, the
 * code {@link RecipesVerifyOperatorTokensTest} runs: a reader who copies from the page copies
 * tested code.
 */
class RecipesInTrustFormatDocTest {
  private static final Path ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath();

  /** A marker naming the file, then a fenced block holding it. */
  private static final Pattern RECIPE_BLOCK =
      Pattern.compile("<!-- recipe: (\\S+) -->\\n```\\w*\\n(.*?)```\\n", Pattern.DOTALL);

  @Test
  void everyRecipeFileIsShownVerbatimInTheTrustFormatPage() throws IOException {
    Map<String, String> shown = blocks(Files.readString(ROOT.resolve("docs/TRUST-FORMAT.md")));

    assertThat(shown.keySet())
        .as("recipe files shown in docs/TRUST-FORMAT.md")
        .containsExactlyInAnyOrderElementsOf(recipeFiles());
    shown.forEach(
        (file, code) ->
            assertThat(code)
                .as("docs/TRUST-FORMAT.md's copy of %s", file)
                .isEqualTo(readString(ROOT.resolve(file))));
  }

  static Map<String, String> blocks(String markdown) {
    Map<String, String> blocks = new LinkedHashMap<>();
    Matcher matcher = RECIPE_BLOCK.matcher(markdown);
    while (matcher.find()) {
      assertThat(blocks.put(matcher.group(1), matcher.group(2)))
          .as("%s is shown once", matcher.group(1))
          .isNull();
    }
    return blocks;
  }

  /** The recipes' sources and package.json; not the lock file, installed modules or builds. */
  private static List<String> recipeFiles() throws IOException {
    List<String> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(ROOT.resolve("examples/recipes"))) {
      walk.filter(Files::isRegularFile)
          .filter(file -> !file.toString().contains("node_modules"))
          .map(file -> ROOT.relativize(file).toString().replace('\\', '/'))
          .filter(name -> name.matches(".*\\.(py|mjs|go)$") || name.endsWith("/package.json"))
          .forEach(files::add);
    }
    return files;
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
