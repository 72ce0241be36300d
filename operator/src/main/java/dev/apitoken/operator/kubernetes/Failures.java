package dev.apitoken.operator.kubernetes;

import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Describes a failure for conditions, events and logs by its real cause, however deeply JOSDK and
 * the client wrapped it. Never by a message or status message, which can echo a request body (and
 * so a token or a private key).
 */
public final class Failures {
  /** Deeper chains are cut: a cause cycle must not loop. */
  private static final int MAX_DEPTH = 20;

  private Failures() {}

  /**
   * For an API error its code, reason and the object concerned ("the Kubernetes API answered 422
   * Invalid for ConfigMap apps/x"); for an {@link InternalFailure} its type; otherwise the type of
   * the deepest cause. For status conditions and events, where a user reads it alone.
   */
  public static String describe(Throwable e) {
    Throwable deepest = e;
    Throwable cause = e;
    for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++, cause = cause.getCause()) {
      if (cause instanceof KubernetesClientException k && k.getCode() > 0) {
        return describeApiError(k);
      }
      if (cause instanceof InternalFailure internal) {
        return "an internal error (" + internal.errorType() + ")";
      }
      deepest = cause;
    }
    return deepest.getClass().getSimpleName();
  }

  /**
   * {@code HTTP <code>} for an API error, otherwise the type of the deepest cause: for a log line
   * or a message that already names the object.
   */
  public static String brief(Throwable e) {
    Throwable deepest = e;
    Throwable cause = e;
    for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++, cause = cause.getCause()) {
      if (cause instanceof KubernetesClientException k && k.getCode() > 0) {
        return "HTTP " + k.getCode();
      }
      deepest = cause;
    }
    return deepest.getClass().getSimpleName();
  }

  /** An error of the operator itself (not of the API or the input), described by its type. */
  public interface InternalFailure {
    String errorType();
  }

  private static String describeApiError(KubernetesClientException k) {
    StatusDetails details = k.getStatus() == null ? null : k.getStatus().getDetails();
    String reason = k.getStatus() == null ? null : k.getStatus().getReason();
    String kind =
        details != null && details.getKind() != null ? details.getKind() : k.getResourcePlural();
    String name = k.getName() != null ? k.getName() : details == null ? null : details.getName();
    String object =
        kind == null && name == null
            ? ""
            : " for "
                + (kind == null ? "" : kind + " ")
                + (k.getNamespace() == null ? "" : k.getNamespace() + "/")
                + (name == null ? "" : name);
    return "the Kubernetes API answered "
        + k.getCode()
        + (reason == null ? "" : " " + reason)
        + object.stripTrailing();
  }
}
