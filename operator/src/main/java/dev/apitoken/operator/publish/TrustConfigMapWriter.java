package dev.apitoken.operator.publish;

import dev.apitoken.operator.store.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the trust ConfigMap (public keys and status list) into one namespace. It writes only when
 * the content differs, and always against the resourceVersion it read, so a concurrent writer is
 * never overwritten blindly: on a conflict it reads again and decides again.
 */
public final class TrustConfigMapWriter {
  private static final int MAX_ATTEMPTS = 10;

  private final KubernetesClient client;
  private final String name;

  public TrustConfigMapWriter(KubernetesClient client, String name) {
    this.client = client;
    this.name = name;
  }

  /** Makes the ConfigMap in {@code namespace} hold exactly {@code data}; true if it wrote. */
  public boolean write(String namespace, Map<String, String> data) {
    for (int attempt = 1; ; attempt++) {
      ConfigMap current = client.configMaps().inNamespace(namespace).withName(name).get();
      if (current != null && Objects.equals(current.getData(), data) && hasLabels(current)) {
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
        return true;
      } catch (KubernetesClientException e) {
        boolean lostRace =
            e.getCode() == HttpURLConnection.HTTP_CONFLICT
                || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND;
        if (!lostRace || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private static boolean hasLabels(ConfigMap current) {
    Map<String, String> labels = current.getMetadata().getLabels();
    return labels != null && Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY));
  }

  private ConfigMap desired(String namespace, Map<String, String> data, ConfigMap current) {
    ConfigMapBuilder builder =
        current == null ? new ConfigMapBuilder() : new ConfigMapBuilder(current);
    return builder
        .editOrNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels(Labels.managed("trust"))
        .endMetadata()
        .withData(Map.copyOf(data))
        .build();
  }
}
