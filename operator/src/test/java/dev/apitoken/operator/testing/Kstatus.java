package dev.apitoken.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The rules kstatus ({@code sigs.k8s.io/cli-utils/pkg/kstatus/status}, what Flux and kpt use to
 * wait for a resource) applies to a custom resource, written out as the reference the health check
 * in {@code examples/argocd} is compared with. In order, the first that applies decides:
 *
 * <ol>
 *   <li>{@code metadata.deletionTimestamp} set: Terminating;
 *   <li>{@code status.observedGeneration} present and not {@code metadata.generation}: InProgress;
 *   <li>the first condition in {@code status.conditions} that is {@code Reconciling=True}
 *       (InProgress) or {@code Stalled=True} (Failed);
 *   <li>a {@code Ready} condition: True is Current, False or Unknown InProgress;
 *   <li>otherwise Current: kstatus reads an object without any of these as reconciled.
 * </ol>
 */
public final class Kstatus {
  public static final String CURRENT = "Current";
  public static final String IN_PROGRESS = "InProgress";
  public static final String FAILED = "Failed";
  public static final String TERMINATING = "Terminating";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Kstatus() {}

  /** kstatus' status of {@code resource} as the API server would return it. */
  public static String compute(HasMetadata resource) {
    try {
      return compute(JSON.readTree(Serialization.asJson(resource)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static String compute(JsonNode object) {
    JsonNode metadata = object.path("metadata");
    if (!metadata.path("deletionTimestamp").asText("").isEmpty()) {
      return TERMINATING;
    }
    JsonNode generation = metadata.path("generation");
    JsonNode observed = object.path("status").path("observedGeneration");
    if (generation.isNumber() && observed.isNumber() && observed.asLong() != generation.asLong()) {
      return IN_PROGRESS;
    }
    JsonNode conditions = object.path("status").path("conditions");
    for (JsonNode condition : conditions) {
      String type = condition.path("type").asText();
      String status = condition.path("status").asText();
      if (type.equals("Reconciling") && status.equals("True")) {
        return IN_PROGRESS;
      }
      if (type.equals("Stalled") && status.equals("True")) {
        return FAILED;
      }
    }
    for (JsonNode condition : conditions) {
      if (condition.path("type").asText().equals("Ready")) {
        switch (condition.path("status").asText()) {
          case "True":
            return CURRENT;
          case "False":
          case "Unknown":
            return IN_PROGRESS;
          default:
            // kstatus ignores any other value.
        }
      }
    }
    return CURRENT;
  }
}
