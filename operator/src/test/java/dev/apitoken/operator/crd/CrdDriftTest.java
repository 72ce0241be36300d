package dev.apitoken.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checked-in CRDs are exactly what the build generates from the Java API types (after {@link
 * CrdFinisher}). To refresh them: {@code mvn -pl format,verifier,operator test
 * -Dsurefire.failIfNoSpecifiedTests=false -Dtest=CrdDriftTest -DupdateCrds=true}, then commit.
 */
class CrdDriftTest {
  @ParameterizedTest
  @ValueSource(strings = {"crds", "helm/apitoken-operator/files/crds"})
  void checkedInCrdMatchesTheGeneratedOne(String directory) throws Exception {
    String expected = CrdFinisher.finish(Files.readString(GeneratedCrd.generatedFile()));
    Path checkedIn = GeneratedCrd.repoRoot().resolve(directory).resolve(GeneratedCrd.FILE_NAME);
    if (Boolean.getBoolean("updateCrds")) {
      Files.createDirectories(checkedIn.getParent());
      Files.writeString(checkedIn, expected);
    }
    assertThat(checkedIn).exists();
    assertThat(Files.readString(checkedIn))
        .as(
            "%s is stale: run mvn -pl format,verifier,operator test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=CrdDriftTest -DupdateCrds=true",
            checkedIn)
        .isEqualTo(expected);
  }
}
