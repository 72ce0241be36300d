package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.api.RolloutRestartTarget;
import dev.apitoken.operator.kubernetes.Failures;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * spec.rolloutRestart: after a new token was written to the Secret, restarts each target as {@code
 * kubectl rollout restart} does (a new {@code restartedAt} annotation on its Pod template), once
 * per token. Which token was last handled is kept in status, so a resync, a restart of the operator
 * or an unrelated edit restarts nothing again.
 */
final class RolloutRestarts {
  static final String REASON_RESTARTED = "RolloutRestarted";
  static final String REASON_FAILED = "RolloutRestartFailed";

  /** The annotation {@code kubectl rollout restart} sets. */
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

  /** What to do for the current token, and what status then records as done. */
  record Plan(boolean restart, String recordedFor) {}

  private final EventRecorder events;

  RolloutRestarts(EventRecorder events) {
    this.events = events;
  }

  /**
   * Whether the targets are due a restart for {@code currentJti}. {@code recordedFor} is
   * status.rolloutRestartedFor; {@code previousJti} the current token status named before this
   * reconcile. Without a record, the token before this reconcile counts as handled: setting
   * spec.rolloutRestart (or upgrading the operator) restarts nothing, while a token issued in the
   * same reconcile, or written to the Secret by a reconcile whose status write was lost, does.
   */
  static Plan plan(
      List<RolloutRestartTarget> targets,
      String recordedFor,
      String previousJti,
      String currentJti) {
    if (targets == null || targets.isEmpty() || currentJti == null) {
      return new Plan(false, null);
    }
    String handled = recordedFor != null ? recordedFor : previousJti;
    if (handled == null) {
      // The first token: Pods waiting for the Secret start by themselves.
      return new Plan(false, currentJti);
    }
    return new Plan(!handled.equals(currentJti), currentJti);
  }

  /**
   * Restarts every target (at most {@link ApiTokenSpec#MAX_ROLLOUT_RESTART_TARGETS}) and reports
   * the outcome in Events on the ApiToken. A failure is reported and not retried: the token itself
   * is fine, and restarting the other targets a second time would cost more than it helps.
   */
  void restart(
      KubernetesClient client,
      ApiToken apiToken,
      List<RolloutRestartTarget> targets,
      String jti,
      Instant now) {
    String namespace = apiToken.getMetadata().getNamespace();
    String restartedAt = now.truncatedTo(ChronoUnit.SECONDS).toString();
    String patch =
        "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
            + RESTARTED_AT
            + "\":\""
            + restartedAt
            + "\"}}}}}";
    List<String> restarted = new ArrayList<>();
    for (RolloutRestartTarget target :
        targets.stream().limit(ApiTokenSpec.MAX_ROLLOUT_RESTART_TARGETS).toList()) {
      String described = describe(target, namespace);
      Optional<String> problem = patch(client, namespace, target, patch);
      if (problem.isEmpty()) {
        restarted.add(described);
      } else {
        events.record(
            apiToken,
            EventRecorder.WARNING,
            REASON_FAILED,
            "could not restart "
                + described
                + " after token "
                + jti
                + " was written: "
                + problem.get()
                + "; restart it yourself (kubectl rollout restart)");
      }
    }
    if (!restarted.isEmpty()) {
      events.record(
          apiToken,
          EventRecorder.NORMAL,
          REASON_RESTARTED,
          "restarted "
              + String.join(", ", restarted)
              + " after token "
              + jti
              + " was written to Secret "
              + TokenSecretDependent.secretName(apiToken));
    }
  }

  /** Empty when patched; otherwise why not. */
  private static Optional<String> patch(
      KubernetesClient client, String namespace, RolloutRestartTarget target, String patch) {
    String name = target.getName();
    if (name == null
        || name.isEmpty()
        || name.length() > ApiTokenSpec.MAX_SECRET_NAME_LENGTH
        || !SECRET_NAME.matcher(name).matches()) {
      return Optional.of("the name is not a valid object name");
    }
    PatchContext merge = PatchContext.of(PatchType.JSON_MERGE);
    try {
      if (RolloutRestartTarget.DEPLOYMENT.equals(target.getKind())) {
        client
            .resources(Deployment.class)
            .inNamespace(namespace)
            .withName(name)
            .patch(merge, patch);
      } else if (RolloutRestartTarget.STATEFUL_SET.equals(target.getKind())) {
        client
            .resources(StatefulSet.class)
            .inNamespace(namespace)
            .withName(name)
            .patch(merge, patch);
      } else if (RolloutRestartTarget.DAEMON_SET.equals(target.getKind())) {
        client.resources(DaemonSet.class).inNamespace(namespace).withName(name).patch(merge, patch);
      } else {
        return Optional.of("kind must be Deployment, StatefulSet or DaemonSet");
      }
      return Optional.empty();
    } catch (KubernetesClientException e) {
      return Optional.of(Failures.describe(e));
    }
  }

  private static final java.util.regex.Pattern SECRET_NAME =
      java.util.regex.Pattern.compile(ApiTokenSpec.SECRET_NAME_PATTERN);

  private static String describe(RolloutRestartTarget target, String namespace) {
    String kind = target.getKind() == null ? "" : target.getKind();
    String name = target.getName() == null ? "" : target.getName();
    // A spec sent past admission may hold anything: quote it short.
    return shorten(kind, 20) + " " + namespace + "/" + shorten(name, 253);
  }

  private static String shorten(String text, int max) {
    String bounded = text.length() <= max ? text : text.substring(0, max) + "...";
    return bounded.replaceAll("\\p{Cntrl}", "?");
  }
}
