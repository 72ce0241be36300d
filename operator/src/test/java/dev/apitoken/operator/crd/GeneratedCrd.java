package dev.apitoken.operator.crd;

import java.nio.file.Path;

/** Where the CRD generator writes, and where the repository keeps its copies. */
final class GeneratedCrd {
  static final String FILE_NAME = "apitokens.apitoken.dev-v1.yml";

  private GeneratedCrd() {}

  static Path generatedFile() {
    return Path.of(System.getProperty("crd.generated.dir", "target/classes/META-INF/fabric8"))
        .resolve(FILE_NAME);
  }

  static Path repoRoot() {
    return Path.of(System.getProperty("repo.root", ".."));
  }

  static Path checkedInFile() {
    return repoRoot().resolve("crds").resolve(FILE_NAME);
  }
}
