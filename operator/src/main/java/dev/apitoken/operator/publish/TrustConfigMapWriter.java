package dev.apitoken.operator.publish;

import dev.apitoken.operator.kubernetes.KubernetesWrites;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.store.ConfigMapApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Writes one published ConfigMap into one namespace. It writes only when the content differs from
 * what it believes is there (an informer's copy, so no read per write), and always against that
 * copy's resourceVersion: when someone else wrote in between, it reads again and decides again,
 * never overwriting blindly. Whatever version it replaces, it asks the caller what to write over
 * that version, so a copy showing a revocation the new document lacks keeps it.
 */
public final class TrustConfigMapWriter {
  public static final String COMPONENT = "trust";

  private final ConfigMapApi api;
  private final AtomicLong writes = new AtomicLong();

  public TrustConfigMapWriter(ConfigMapApi api) {
    this.api = api;
  }

  /** ConfigMap writes made so far (creates and updates). */
  public long writes() {
    return writes.get();
  }

  /**
   * Makes the ConfigMap {@code namespace/name} hold {@code data}, as adjusted for the version
   * there.
   *
   * @param believed what is there as far as the caller knows (null: unknown or absent)
   * @param adjust given every version about to be replaced (null before a create), returns the data
   *     to write: {@code data} itself, or more (a copy must never lose a revocation it shows); it
   *     may throw to write nothing
   * @return the ConfigMap as stored now
   */
  public ConfigMap write(
      String namespace,
      String name,
      Map<String, String> data,
      Map<String, String> annotations,
      ConfigMap believed,
      Function<ConfigMap, Map<String, String>> adjust) {
    ConfigMap current = believed;
    for (int attempt = 1; ; attempt++) {
      Map<String, String> wanted = adjust.apply(current);
      if (current != null
          && Objects.equals(current.getData(), wanted)
          && isOurs(current)
          && hasAnnotations(current, annotations)) {
        return current;
      }
      try {
        ConfigMap written =
            current == null
                ? api.create(desired(namespace, name, wanted, annotations, null))
                : api.update(desired(namespace, name, wanted, annotations, current));
        writes.incrementAndGet();
        return written;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
        current = api.get(namespace, name);
      }
    }
  }

  static boolean isOurs(ConfigMap current) {
    Map<String, String> labels = current.getMetadata().getLabels();
    return labels != null
        && Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY))
        && COMPONENT.equals(labels.get(Labels.COMPONENT));
  }

  private static boolean hasAnnotations(ConfigMap map, Map<String, String> annotations) {
    Map<String, String> present = map.getMetadata().getAnnotations();
    return annotations.entrySet().stream()
        .allMatch(e -> present != null && e.getValue().equals(present.get(e.getKey())));
  }

  private static ConfigMap desired(
      String namespace,
      String name,
      Map<String, String> data,
      Map<String, String> annotations,
      ConfigMap current) {
    ConfigMapBuilder builder =
        current == null ? new ConfigMapBuilder() : new ConfigMapBuilder(current);
    return builder
        .editOrNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels(Labels.managed(COMPONENT))
        .addToAnnotations(
            "apitoken.dev/description",
            "Public keys (jwks.json) and revocation status list (status-list*.json) for verifying"
                + " ApiTokens. Mount as a directory, never with subPath. Managed by the operator.")
        .addToAnnotations(annotations)
        .endMetadata()
        .withData(Map.copyOf(data))
        .build();
  }
}
