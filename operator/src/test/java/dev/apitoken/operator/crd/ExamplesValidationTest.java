package dev.apitoken.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every ApiToken in {@code examples/} is accepted by the CRD as it is, so a user who applies an
 * example never meets a validation error. The directory is listed, not named file by file, so new
 * examples are covered too.
 */
class ExamplesValidationTest {
  private static final YAMLMapper YAML = new YAMLMapper();

  /** One YAML document of one example file. */
  record Document(String source, Map<String, Object> content) {
    Object kind() {
      return content.get("kind");
    }

    @Override
    public String toString() {
      return source;
    }
  }

  static List<Document> documents() {
    Path examples = GeneratedCrd.repoRoot().resolve("examples");
    List<Document> documents = new ArrayList<>();
    try (Stream<Path> files = Files.walk(examples)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (MappingIterator<Map<String, Object>> docs =
            YAML.readerForMapOf(Object.class).readValues(file.toFile())) {
          int index = 0;
          while (docs.hasNextValue()) {
            Map<String, Object> doc = docs.nextValue();
            if (doc != null) {
              documents.add(new Document(examples.relativize(file) + "#" + index, doc));
            }
            index++;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + examples, e);
    }
    return documents;
  }

  static Stream<Document> apiTokens() {
    String kind = Admission.checkedInCrd().schema().kind();
    return documents().stream().filter(d -> kind.equals(d.kind()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("apiTokens")
  void exampleIsAcceptedOnCreate(Document example) {
    Admission admission = Admission.checkedInCrd();
    assertThat(example.content().get("apiVersion"))
        .as("%s apiVersion", example)
        .isEqualTo(admission.schema().apiVersion());
    assertThat(admission.create(example.content()))
        .as("%s is refused by the CRD", example)
        .extracting(Violation::toString)
        .isEmpty();
  }

  @Test
  void thereAreApiTokenExamples(TestReporter reporter) {
    List<Document> documents = documents();
    long apiTokens = apiTokens().count();
    reporter.publishEntry(
        "examples",
        apiTokens
            + " ApiToken document(s) checked, "
            + (documents.size() - apiTokens)
            + " of other kinds skipped");
    assertThat(apiTokens).as("ApiToken documents under examples/").isPositive();
  }
}
