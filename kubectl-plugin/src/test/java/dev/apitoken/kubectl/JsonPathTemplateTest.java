package dev.apitoken.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonPathTemplateTest {
  private static final JsonNode DOC = read();

  private static JsonNode read() {
    try {
      return new ObjectMapper()
          .readTree(
              "{\"items\":[{\"name\":\"a\",\"labels\":{\"app.kubernetes.io/name\":\"x\"},"
                  + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]},"
                  + "{\"name\":\"b\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}]}");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{.items[*].name}|a b",
        "{$.items[1].name}|b",
        "{.items[0].labels.app\\.kubernetes\\.io/name}|x",
        "{.items[0].labels['app.kubernetes.io/name']}|x",
        "{.items[?(@.name==\"b\")].conditions[0].status}|False",
        "names: {.items[*].name}!|names: a b!",
        "{range .items[*]}{.name}={.conditions[0].status};{end}|a=True;b=False;",
        "{range .items}[{@.name}]{end}|[a][b]",
        "{range .items[*]}{.name}:{range .conditions[*]}{.type}{end},{end}|a:Ready,b:Ready,",
        "{.items[5].name}|''",
      })
  void printsAsKubectlDoes(String template, String expected) {
    assertThat(new JsonPathTemplate(template).print(DOC)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{range .items[*]}{.name}",
        "{.name}{end}",
        "{.items[*].name",
        "{.items[-1]}",
        "{.items..name}",
        "{\"\\q\"}",
        ""
      })
  void refusesWhatItCannotRead(String template) {
    assertThatThrownBy(() -> new JsonPathTemplate(template))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported JSONPath");
  }

  @Test
  void stringLiterals() {
    assertThat(new JsonPathTemplate("{\"\\n\"}").print(DOC)).isEqualTo("\n");
    assertThat(new JsonPathTemplate("{\"a\\tb\"}").print(DOC)).isEqualTo("a\tb");
    assertThat(new JsonPathTemplate("{\"}\"}").print(DOC)).isEqualTo("}");
  }
}
