package dev.apitoken.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CelRules} itself behaves like the API server, so a green CrdValidationTest means
 * something.
 */
class CelRulesTest {
  private static final YAMLMapper YAML = new YAMLMapper();

  @Test
  void aMisspeltFieldIsACompileErrorNamingThePathAndTheRule() {
    JsonNode schema =
        schema(
            """
            type: object
            properties:
              spec:
                type: object
                properties: {ttl: {type: string}}
                x-kubernetes-validations:
                  - rule: has(self.tll)
            """);
    assertThatThrownBy(() -> CelRules.compile(schema))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("$.spec: rule does not compile: has(self.tll)")
        .hasMessageContaining("undefined field 'tll'");
  }

  @Test
  void aKubernetesOnlyFunctionIsNamedInTheFailure() {
    JsonNode schema =
        schema(
            """
            type: object
            properties:
              ports:
                type: array
                items: {type: integer}
                x-kubernetes-validations:
                  - rule: self.isSorted()
            """);
    assertThatThrownBy(() -> CelRules.compile(schema))
        .hasMessageContaining("isSorted() is a Kubernetes CEL library function that dev.cel lacks");
  }

  @Test
  void aRuleOnListItemsRunsOncePerItemWithItsIndexInThePath() {
    CelRules rules =
        CelRules.compile(
            schema(
                """
                type: object
                properties:
                  ports:
                    type: array
                    items:
                      type: integer
                      x-kubernetes-validations:
                        - rule: self > 0
                          message: must be positive
                """));
    assertThat(rules.validateCreate(CrdSchema.parse("{ports: [80, -1, 443, 0]}")))
        .extracting(Violation::toString)
        .containsExactly("$.ports[1]: must be positive", "$.ports[3]: must be positive");
  }

  @Test
  void aTransitionRuleRunsOnlyWhereTheOldObjectHasAValue() {
    CelRules rules =
        CelRules.compile(
            schema(
                """
                type: object
                properties:
                  labels:
                    type: object
                    additionalProperties:
                      type: string
                      x-kubernetes-validations:
                        - rule: self == oldSelf
                          message: is immutable
                """));
    Map<String, Object> before = CrdSchema.parse("{labels: {a: x}}");
    assertThat(rules.validateCreate(before)).isEmpty();
    assertThat(rules.validateUpdate(before, CrdSchema.parse("{labels: {a: x, b: y}}"))).isEmpty();
    assertThat(rules.validateUpdate(before, CrdSchema.parse("{labels: {a: z}}")))
        .extracting(Violation::toString)
        .containsExactly("$.labels.a: is immutable");
  }

  private static JsonNode schema(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
