package dev.apitoken.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The checked-in CRDs are exactly what the build generates from the Java API types. */
class CrdDriftTest {
  static final String CRD_FILE = "apitokens.apitoken.dev-v1.yml";

  static Path generated() {
    return Path.of(System.getProperty("crd.generated.dir", "target/classes/META-INF/fabric8")).resolve(CRD_FILE);
  }

  static Path repoRoot() {
    return Path.of(System.getProperty("repo.root", ".."));
  }

  @ParameterizedTest
  @ValueSource(strings = {"crds", "helm/apitoken-operator/files/crds"})
  void checkedInCrdMatchesTheGeneratedOne(String directory) throws Exception {
    Path checkedIn = repoRoot().resolve(directory).resolve(CRD_FILE);
    assertThat(checkedIn).as("run: mvn -Pupdate-crds -DskipTests package").exists();
    assertThat(Files.readString(checkedIn))
        .as("%s is stale: run mvn -Pupdate-crds -DskipTests package and commit the result", checkedIn)
        .isEqualTo(Files.readString(generated()));
  }
}
