package dev.apitoken.operator.interop;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recipe whose interpreter or library is missing fails the build with what to run, instead of
 * being skipped: a CI machine without them would otherwise stop testing the recipes unnoticed.
 */
class RecipePrerequisitesTest {
  @TempDir Path root;
  @TempDir Path workDir;

  @Test
  void nodeWithoutItsInstalledModulesNamesTheInstallScript() throws Exception {
    Path source = Recipe.NODE.source(root);
    Files.createDirectories(source.getParent());
    Files.writeString(source, "// no node_modules beside it\n");

    assertThatThrownBy(() -> Recipe.NODE.prepare(root, workDir))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("jose")
        .hasMessageContaining(".ci/install-recipe-deps.sh");
  }

  @Test
  void goThatCannotBuildNamesTheInstallScriptAndShowsTheCompilerOutput() throws Exception {
    Path source = Recipe.GO.source(root);
    Files.createDirectories(source.getParent());
    Files.writeString(
        source, "package main\n\nimport _ \"example.invalid/not-installed\"\n\nfunc main() {}\n");

    assertThatThrownBy(() -> Recipe.GO.prepare(root, workDir))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(".ci/install-recipe-deps.sh")
        .hasMessageContaining("example.invalid/not-installed");
  }
}
