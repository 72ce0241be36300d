package dev.apitoken.operator.store;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.List;
import java.util.Map;

/**
 * The ConfigMap operations the revocation state needs, and nothing else. Production goes through
 * {@link Fabric8ConfigMaps}; the model test runs the same stores against an in-memory API that can
 * fail any call. Failures are {@link io.fabric8.kubernetes.client.KubernetesClientException}s with
 * the HTTP code a real API server would answer (409 conflict, 404 gone, 422 too large, ...).
 */
public interface ConfigMapApi {
  /** The ConfigMap, or null when there is none. */
  ConfigMap get(String namespace, String name);

  /** ConfigMaps carrying every given label, in {@code namespace} (null: every namespace). */
  List<ConfigMap> list(String namespace, Map<String, String> labels);

  /** Creates it; 409 when the name is taken. */
  ConfigMap create(ConfigMap configMap);

  /** Replaces it under optimistic locking on its resourceVersion; 409 stale, 404 gone. */
  ConfigMap update(ConfigMap configMap);

  /** Deletes it if it exists. */
  void delete(String namespace, String name);

  /** Tells {@code handler} of every change to matching ConfigMaps, from a current list onwards. */
  AutoCloseable watch(String namespace, Map<String, String> labels, Handler handler);

  /** Receives changes; {@code after} is null for a deletion. Must not block for long. */
  @FunctionalInterface
  interface Handler {
    void changed(String namespace, String name, ConfigMap after);
  }
}
