package dev.apitoken.operator.publish;

import dev.apitoken.operator.store.KubernetesWrites;
import dev.apitoken.operator.store.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the trust ConfigMap into one namespace. It writes only when the content differs from what
 * it believes is there (an informer's copy, so no read per write), and always against that copy's
 * resourceVersion: when someone else wrote in between, it reads again and decides again, never
 * overwriting blindly.
 */
public final class TrustConfigMapWriter {
  public static final String COMPONENT = "trust";

  private final KubernetesClient client;
  private final String name;
  private final AtomicLong writes = new AtomicLong();

  public TrustConfigMapWriter(KubernetesClient client, String name) {
    this.client = client;
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** ConfigMap writes made so far (creates and updates). */
  public long writes() {
    return writes.get();
  }

  /**
   * Makes the ConfigMap in {@code namespace} hold exactly {@code data}; true if it wrote.
   *
   * @param believed what is there as far as the caller knows (null: unknown or absent)
   */
  public boolean write(String namespace, Map<String, String> data, ConfigMap believed) {
    ConfigMap current = believed;
    for (int attempt = 1; ; attempt++) {
      if (current != null && Objects.equals(current.getData(), data) && isOurs(current)) {
        return false;
      }
      try {
        if (current == null) {
          client
              .configMaps()
              .inNamespace(namespace)
              .resource(desired(namespace, data, null))
              .create();
        } else {
          client
              .configMaps()
              .inNamespace(namespace)
              .resource(desired(namespace, data, current))
              .update();
        }
        writes.incrementAndGet();
        return true;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
        current = client.configMaps().inNamespace(namespace).withName(name).get();
      }
    }
  }

  private static boolean isOurs(ConfigMap current) {
    Map<String, String> labels = current.getMetadata().getLabels();
    return labels != null
        && Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY))
        && COMPONENT.equals(labels.get(Labels.COMPONENT));
  }

  private ConfigMap desired(String namespace, Map<String, String> data, ConfigMap current) {
    ConfigMapBuilder builder =
        current == null ? new ConfigMapBuilder() : new ConfigMapBuilder(current);
    return builder
        .editOrNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels(Labels.managed(COMPONENT))
        .addToAnnotations(
            "apitoken.dev/description",
            "Public keys (jwks.json) and revocation status list (status-list.json) for verifying"
                + " ApiTokens. Mount as a directory, never with subPath. Managed by the operator.")
        .endMetadata()
        .withData(Map.copyOf(data))
        .build();
  }
}
