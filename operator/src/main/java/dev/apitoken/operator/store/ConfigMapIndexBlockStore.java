package dev.apitoken.operator.store;

import dev.apitoken.operator.token.IndexBlockStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reserves blocks of status-list indices in a ConfigMap in the operator's namespace. The counter
 * only moves forward, under optimistic concurrency on resourceVersion, so an index is never handed
 * out twice, across restarts and between replicas. A restart forfeits the rest of the block in
 * hand; those indices are simply never used.
 */
public final class ConfigMapIndexBlockStore implements IndexBlockStore {
  public static final String NEXT_INDEX_KEY = "next-index";
  private static final Logger LOG = LoggerFactory.getLogger(ConfigMapIndexBlockStore.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final Runnable onReserved;
  private final LongSupplier publishedCoverage;
  private volatile long highWater;

  /**
   * @param onReserved told after each new block, so the published status list can grow ahead
   */
  /**
   * @param publishedCoverage how many indices the published status list covers: the floor to resume
   *     from if the state ConfigMap was deleted
   */
  public ConfigMapIndexBlockStore(
      KubernetesClient client,
      String namespace,
      String name,
      LongSupplier publishedCoverage,
      Runnable onReserved) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.onReserved = onReserved;
    this.publishedCoverage = publishedCoverage;
  }

  /** Reads how far indices have been reserved, by any replica, before this one started. */
  public void start() {
    ConfigMap current = client.configMaps().inNamespace(namespace).withName(name).get();
    highWater = current == null ? publishedCoverage.getAsLong() : parseNext(current);
    if (current == null && highWater > 0) {
      LOG.warn(
          "event=index_state_missing configmap={}/{} action=resuming_after_published_list next_index={}",
          namespace,
          name,
          highWater);
    }
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
          // Never restart at 0: indices below what was reserved or published may be in use.
          from = highWater;
          client.configMaps().inNamespace(namespace).resource(stateMap(from + size, null)).create();
        } else {
          from = Math.max(parseNext(current), highWater);
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
