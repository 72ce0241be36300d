package dev.apitoken.operator.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;

/** How the stores and writers tell an optimistic-concurrency loss from a real failure. */
public final class KubernetesWrites {
  private KubernetesWrites() {}

  public static final int MAX_ATTEMPTS = 10;

  public static boolean isConflict(KubernetesClientException e) {
    return e.getCode() == HttpURLConnection.HTTP_CONFLICT;
  }

  /**
   * The write was made against a copy that is no longer current: someone else updated (409) or
   * deleted (404) the object. Read it again and decide again.
   */
  public static boolean isStale(KubernetesClientException e) {
    return isConflict(e) || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND;
  }
}
