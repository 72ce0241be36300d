package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenSpec;
import dev.apitoken.operator.api.RolloutRestartTarget;
import dev.apitoken.operator.kubernetes.Failures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * spec.rolloutRestart: after a new token was written to the Secret, restarts each target as {@code
 * kubectl rollout restart} does (a new {@code restartedAt} annotation on its Pod template), once
 * per token. Which token was last handled is kept in status, so a resync, a restart of the operator
 * or an unrelated edit restarts nothing again.
 *
 * <p>Only consumers are restarted: a target whose Pod template uses the token's Secret (a volume,
 * {@code env} or {@code envFrom} names it) or that opts in with the annotation {@value
 * #OPT_IN_ANNOTATION} naming the ApiToken. Anyone who may edit an ApiToken would otherwise restart
 * any workload of the namespace at will (each renew request is a new token); anything else gets a
 * Warning Event and no patch. The patch carries the resourceVersion that was checked, so a template
 * changed in between is not restarted on the strength of the old one.
 */
final class RolloutRestarts {
  static final String REASON_RESTARTED = "RolloutRestarted";
  static final String REASON_FAILED = "RolloutRestartFailed";
  static final String REASON_REFUSED = "RolloutRestartRefused";

  /** On a workload: the ApiTokens (comma-separated names) whose new tokens may restart it. */
  static final String OPT_IN_ANNOTATION = "apitoken.dev/rollout-restart-for";

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
    String secretName = TokenSecretDependent.secretName(apiToken);
    List<String> restarted = new ArrayList<>();
    for (RolloutRestartTarget target :
        targets.stream().limit(ApiTokenSpec.MAX_ROLLOUT_RESTART_TARGETS).toList()) {
      String described = describe(target, namespace);
      Optional<String> problem;
      try {
        problem =
            restartConsumer(
                client,
                namespace,
                target,
                apiToken.getMetadata().getName(),
                secretName,
                restartedAt);
      } catch (NotAConsumer refused) {
        events.record(
            apiToken,
            EventRecorder.WARNING,
            REASON_REFUSED,
            "did not restart "
                + described
                + " after token "
                + jti
                + ": its Pod template does not use Secret "
                + secretName
                + " and it has no annotation "
                + OPT_IN_ANNOTATION
                + " naming this ApiToken");
        continue;
      }
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

  /** The target is not a consumer of the token: it is not restarted. */
  private static final class NotAConsumer extends Exception {
    NotAConsumer() {
      super(null, null, false, false);
    }
  }

  /**
   * Restarts the target if it is a consumer. Empty when patched; otherwise why not.
   *
   * @throws NotAConsumer when it neither uses the Secret nor opts in
   */
  private static Optional<String> restartConsumer(
      KubernetesClient client,
      String namespace,
      RolloutRestartTarget target,
      String apiTokenName,
      String secretName,
      String restartedAt)
      throws NotAConsumer {
    String name = target.getName();
    if (name == null
        || name.isEmpty()
        || name.length() > ApiTokenSpec.MAX_SECRET_NAME_LENGTH
        || !SECRET_NAME.matcher(name).matches()) {
      return Optional.of("the name is not a valid object name");
    }
    Class<? extends HasMetadata> type;
    if (RolloutRestartTarget.DEPLOYMENT.equals(target.getKind())) {
      type = Deployment.class;
    } else if (RolloutRestartTarget.STATEFUL_SET.equals(target.getKind())) {
      type = StatefulSet.class;
    } else if (RolloutRestartTarget.DAEMON_SET.equals(target.getKind())) {
      type = DaemonSet.class;
    } else {
      return Optional.of("kind must be Deployment, StatefulSet or DaemonSet");
    }
    try {
      HasMetadata workload = client.resources(type).inNamespace(namespace).withName(name).get();
      if (workload == null) {
        return Optional.of("not found (HTTP 404)");
      }
      if (!usesOrOptsIn(workload, apiTokenName, secretName)) {
        throw new NotAConsumer();
      }
      String patch =
          "{\"metadata\":{\"resourceVersion\":\""
              + workload.getMetadata().getResourceVersion()
              + "\"},\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
              + RESTARTED_AT
              + "\":\""
              + restartedAt
              + "\"}}}}}";
      client
          .resources(type)
          .inNamespace(namespace)
          .withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      return Optional.empty();
    } catch (KubernetesClientException e) {
      return Optional.of(Failures.describe(e));
    }
  }

  /** Whether the workload's Pod template uses the Secret, or its annotation names the ApiToken. */
  static boolean usesOrOptsIn(HasMetadata workload, String apiTokenName, String secretName) {
    Map<String, String> annotations = workload.getMetadata().getAnnotations();
    String optIn = annotations == null ? null : annotations.get(OPT_IN_ANNOTATION);
    if (optIn != null
        && Arrays.stream(optIn.split(",")).map(String::trim).anyMatch(apiTokenName::equals)) {
      return true;
    }
    PodTemplateSpec template = null;
    if (workload instanceof Deployment d && d.getSpec() != null) {
      template = d.getSpec().getTemplate();
    } else if (workload instanceof StatefulSet s && s.getSpec() != null) {
      template = s.getSpec().getTemplate();
    } else if (workload instanceof DaemonSet d && d.getSpec() != null) {
      template = d.getSpec().getTemplate();
    }
    return template != null
        && TokenConsumers.use(template.getSpec(), secretName) != TokenConsumers.Use.NONE;
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
