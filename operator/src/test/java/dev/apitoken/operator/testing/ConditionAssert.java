package dev.apitoken.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.api.ApiToken;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.Optional;

/** The one way tests look at conditions, as kubectl wait would. */
public final class ConditionAssert {
  private ConditionAssert() {}

  public static Optional<Condition> condition(ApiToken token, String type) {
    if (token == null || token.getStatus() == null) {
      return Optional.empty();
    }
    return token.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  public static boolean hasCondition(ApiToken token, String type, String status) {
    return condition(token, type).map(c -> status.equals(c.getStatus())).orElse(false);
  }

  public static Condition assertCondition(
      ApiToken token, String type, String status, String reason) {
    assertThat(token.getStatus().getConditions())
        .as("condition types on %s are unique", token.getMetadata().getName())
        .extracting(Condition::getType)
        .doesNotHaveDuplicates();
    Condition condition = condition(token, type).orElse(null);
    assertThat(condition).as("condition %s on %s", type, token.getMetadata().getName()).isNotNull();
    assertThat(condition.getStatus()).as("%s status", type).isEqualTo(status);
    assertThat(condition.getReason()).as("%s reason", type).isEqualTo(reason);
    assertThat(condition.getObservedGeneration())
        .as("%s observedGeneration", type)
        .isEqualTo(token.getMetadata().getGeneration());
    assertThat(condition.getLastTransitionTime()).isNotBlank();
    return condition;
  }
}
