package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.api.SecretTemplate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KubernetesNamesTest {
  private static final String LONG_NAME = "a".repeat(200) + ".b-" + "c".repeat(49);

  @ParameterizedTest
  @ValueSource(ints = {1, 62, 63, 64, 244, 245, 253})
  void eventNamesAreValidNamesForEveryApiTokenNameLength(int length) {
    String name = ("x.y-".repeat(100)).substring(0, length - 1) + "z";
    String eventName = KubernetesNames.eventName(name, "0a1b2c3d");
    assertThat(eventName)
        .hasSizeLessThanOrEqualTo(KubernetesNames.MAX_NAME_LENGTH)
        .matches(ApiTokenSpec.SECRET_NAME_PATTERN)
        .endsWith(".0a1b2c3d");
    if (length + 9 <= KubernetesNames.MAX_NAME_LENGTH) {
      assertThat(eventName).isEqualTo(name + ".0a1b2c3d");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 63, 64, 100, 253})
  void labelValuesAreValidForEveryApiTokenNameLength(int length) {
    String name = ("x.y-".repeat(100)).substring(0, length - 1) + "z";
    assertThat(KubernetesNames.labelValue(name))
        .hasSizeLessThanOrEqualTo(SecretTemplate.MAX_LABEL_VALUE_LENGTH)
        .matches(SecretTemplate.LABEL_VALUE_PATTERN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "y"})
  void longNamesThatDifferOnlyAtTheEndStayDistinct(String ending) {
    assertThat(KubernetesNames.eventName(LONG_NAME + ending, "s"))
        .isNotEqualTo(KubernetesNames.eventName(LONG_NAME, "s"));
    assertThat(KubernetesNames.labelValue(LONG_NAME + ending))
        .isNotEqualTo(KubernetesNames.labelValue(LONG_NAME));
  }
}
