package dev.apitoken.operator.store;

import dev.apitoken.operator.kubernetes.KubernetesWrites;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.token.RevokedKids;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The revoked signing keys as recorded in the operator state ConfigMap ({@code <trust>-state}, key
 * {@value #KEY}), beside the index counter. Writes change only that key and keep everything else
 * the ConfigMap holds, under optimistic concurrency.
 */
public final class StateRevokedKids {
  public static final String KEY = "revoked-kids";

  private final ConfigMapApi api;
  private final String namespace;
  private final String name;
  private final Clock clock;
  private final Fence fence;

  public StateRevokedKids(
      ConfigMapApi api, String namespace, String name, Clock clock, Fence fence) {
    this.api = api;
    this.namespace = namespace;
    this.name = name;
    this.clock = clock;
    this.fence = fence;
  }

  public RevokedKids read() {
    return kidsIn(api.get(namespace, name));
  }

  /** Makes the record hold {@code kids}; writes only when it differs. */
  public void write(RevokedKids kids) {
    String text = kids.format();
    for (int attempt = 1; ; attempt++) {
      ConfigMap current = api.get(namespace, name);
      String stored =
          current == null || current.getData() == null ? null : current.getData().get(KEY);
      if (Objects.equals(stored, text) || (stored == null && kids.isEmpty())) {
        return;
      }
      if (!fence.mayWrite()) {
        throw new IllegalStateException("not the leader: the revoked keys are left to the leader");
      }
      try {
        if (current == null) {
          api.create(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(namespace)
                  .withLabels(Labels.managed("state"))
                  .endMetadata()
                  .withData(Map.of(KEY, text))
                  .build());
        } else {
          Map<String, String> data =
              new HashMap<>(current.getData() == null ? Map.of() : current.getData());
          if (kids.isEmpty()) {
            data.remove(KEY);
          } else {
            data.put(KEY, text);
          }
          api.update(new ConfigMapBuilder(current).withData(data).build());
        }
        return;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private RevokedKids kidsIn(ConfigMap map) {
    return RevokedKids.parse(
        map == null || map.getData() == null ? null : map.getData().get(KEY), clock.instant());
  }
}
