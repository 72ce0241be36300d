package dev.apitoken.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets one condition in a list the Kubernetes way: lastTransitionTime moves only when the status
 * changes, and observedGeneration says which spec the condition speaks for.
 */
final class ConditionSetter {
  private ConditionSetter() {}

  static List<Condition> set(
      List<Condition> existing,
      String type,
      String status,
      String reason,
      String message,
      long generation,
      Instant now) {
    List<Condition> result = new ArrayList<>();
    String transitionTime = now.toString();
    for (Condition condition : existing) {
      if (type.equals(condition.getType())) {
        if (status.equals(condition.getStatus())) {
          transitionTime = condition.getLastTransitionTime();
        }
      } else {
        result.add(condition);
      }
    }
    result.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus(status)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(transitionTime)
            .build());
    result.sort((a, b) -> a.getType().compareTo(b.getType()));
    return result;
  }
}
