package dev.apitoken.operator.store;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;

/** How the stores tell an optimistic-concurrency loss from a real failure. */
final class KubernetesWrites {
  private KubernetesWrites() {}

  static final int MAX_ATTEMPTS = 10;

  static boolean isConflict(KubernetesClientException e) {
    return e.getCode() == HttpURLConnection.HTTP_CONFLICT;
  }
}
