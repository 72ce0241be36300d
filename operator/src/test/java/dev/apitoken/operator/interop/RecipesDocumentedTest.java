package dev.apitoken.operator.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every recipe directory in {@code examples/recipes/} has a README that links each of its source
 * files, the code {@link RecipesVerifyOperatorTokensTest} runs, and the trust-format page points at
 * every recipe: a reader finds the tested code from the docs. (That the links resolve is {@code
 * DocsConsistencyTest}'s part.)
 */
class RecipesDocumentedTest {
  private static final Path ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath();
  private static final Path RECIPES = ROOT.resolve("examples/recipes");

  @Test
  void eachRecipeReadmeLinksEveryFileOfItsRecipe() throws IOException {
    for (Recipe recipe : Recipe.values()) {
      Path dir = recipe.source(ROOT).getParent();
      Path readme = dir.resolve("README.md");
      assertThat(readme).as("README of %s", ROOT.relativize(dir)).exists();
      String text = Files.readString(readme);
      for (String file : sources(dir)) {
        assertThat(text)
            .as("%s links %s", ROOT.relativize(readme), file)
            .contains("](" + file + ")");
      }
    }
  }

  @Test
  void theTrustFormatPageAndTheRecipesReadmeLinkEveryRecipe() throws IOException {
    String trustFormat = Files.readString(ROOT.resolve("docs/TRUST-FORMAT.md"));
    String overview = Files.readString(RECIPES.resolve("README.md"));
    for (Recipe recipe : Recipe.values()) {
      String dir = RECIPES.relativize(recipe.source(ROOT).getParent()).toString();
      assertThat(trustFormat).contains("](../examples/recipes/" + dir + "/README.md)");
      assertThat(overview).contains("](" + dir + "/README.md)");
    }
  }

  /** The recipe's sources and package.json; not the lock file, installed modules or builds. */
  private static List<String> sources(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(Files::isRegularFile)
          .map(file -> file.getFileName().toString())
          .filter(name -> name.matches(".*\\.(py|mjs|go)$") || name.equals("package.json"))
          .sorted()
          .toList();
    }
  }
}
