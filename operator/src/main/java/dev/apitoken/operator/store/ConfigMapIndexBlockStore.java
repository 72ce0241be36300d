package dev.apitoken.operator.store;

import dev.apitoken.operator.token.IndexBlockStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;

/**
 * Reserves blocks of status-list indices in a ConfigMap in the operator's namespace. The counter
 * only moves forward, under optimistic concurrency on resourceVersion, so an index is never handed
 * out twice, across restarts and between replicas. A restart forfeits the rest of the block in
 * hand; those indices are simply never used.
 */
public final class ConfigMapIndexBlockStore implements IndexBlockStore {
  public static final String NEXT_INDEX_KEY = "next-index";

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final Runnable onReserved;
  private volatile long highWater;

  /**
   * @param onReserved told after each new block, so the published status list can grow ahead
   */
  public ConfigMapIndexBlockStore(
      KubernetesClient client, String namespace, String name, Runnable onReserved) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.onReserved = onReserved;
  }

  /** Reads how far indices have been reserved, by any replica, before this one started. */
  public void start() {
    ConfigMap current = client.configMaps().inNamespace(namespace).withName(name).get();
    highWater = current == null ? 0 : parseNext(current);
  }

  /** One past the highest index reserved so far (by this process, or before it started). */
  public long highWater() {
    return highWater;
  }

  @Override
  public long reserveBlock(int size) {
    for (int attempt = 1; ; attempt++) {
      try {
        ConfigMap current = client.configMaps().inNamespace(namespace).withName(name).get();
        long from;
        if (current == null) {
          from = 0;
          client.configMaps().inNamespace(namespace).resource(stateMap(size, null)).create();
        } else {
          from = parseNext(current);
          client
              .configMaps()
              .inNamespace(namespace)
              .resource(stateMap(from + size, current))
              .update();
        }
        highWater = Math.max(highWater, from + size);
        onReserved.run();
        return from;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isConflict(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private long parseNext(ConfigMap current) {
    String value = current.getData() == null ? null : current.getData().get(NEXT_INDEX_KEY);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "ConfigMap "
              + namespace
              + "/"
              + name
              + " key '"
              + NEXT_INDEX_KEY
              + "' is '"
              + value
              + "', not a number; restore it from a backup: resetting it would reuse"
              + " revocation indices");
    }
  }

  private ConfigMap stateMap(long next, ConfigMap current) {
    ConfigMapBuilder builder =
        current == null ? new ConfigMapBuilder() : new ConfigMapBuilder(current);
    return builder
        .editOrNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels(Labels.managed("state"))
        .endMetadata()
        .addToData(Map.of(NEXT_INDEX_KEY, Long.toString(next)))
        .build();
  }
}
