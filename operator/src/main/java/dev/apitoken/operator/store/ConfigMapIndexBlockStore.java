package dev.apitoken.operator.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.kubernetes.KubernetesWrites;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.token.IndexBlockStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.function.DoubleConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reserves blocks of status-list indices in a ConfigMap in the operator's namespace. The counter
 * only moves forward, under optimistic concurrency on resourceVersion, so an index is never handed
 * out twice, across restarts and between replicas. A block never starts below the index floor: the
 * highest index any other source knows of (the revocation store, what our signed lists say was
 * reserved), so a counter that was deleted or rolled back cannot hand out a used index.
 */
public final class ConfigMapIndexBlockStore implements IndexBlockStore {
  public static final String NEXT_INDEX_KEY = "next-index";
  private static final Logger LOG = LoggerFactory.getLogger(ConfigMapIndexBlockStore.class);

  /** Thrown when the index space is used up: no token can be issued until an admin acts. */
  public static final class IndexSpaceExhausted extends IllegalStateException {
    IndexSpaceExhausted(long next) {
      super(
          "the status list's index space is used up ("
              + next
              + " of "
              + IndexSpace.CAPACITY
              + " indices): no new token can be issued");
    }
  }

  private final ConfigMapApi api;
  private final String namespace;
  private final String name;
  private final LongSupplier floor;
  private final LongSupplier floorWhenLost;
  private final java.util.function.LongConsumer onReserved;
  private final Fence fence;
  private final DoubleConsumer usage;
  private volatile long highWater;
  private boolean warned;

  /**
   * @param floor one past the highest index any other source knows was handed out
   * @param floorWhenLost where to resume when the counter itself is gone or unreadable: beyond
   *     everything the published copies cover. Copies announce reservations only after the fact, so
   *     a block reserved just before a stop may not be in any copy's announcement yet.
   * @param onReserved told the new high-water mark after each new block, before any index of it is
   *     handed out; returns once the mark is published (throws when it cannot be)
   * @param usage told the share of the index space reserved after each block
   */
  public ConfigMapIndexBlockStore(
      ConfigMapApi api,
      String namespace,
      String name,
      LongSupplier floor,
      LongSupplier floorWhenLost,
      java.util.function.LongConsumer onReserved,
      Fence fence,
      DoubleConsumer usage) {
    this.api = api;
    this.namespace = namespace;
    this.name = name;
    this.floor = floor;
    this.floorWhenLost = floorWhenLost;
    this.onReserved = onReserved;
    this.fence = fence;
    this.usage = usage;
  }

  /** Reads how far indices have been reserved, by any replica, before this one started. */
  public void start() {
    ConfigMap current = api.get(namespace, name);
    highWater = current == null ? 0 : Math.max(0, parseNext(current));
  }

  /** One past the highest index reserved so far (by this process, or before it started). */
  public long highWater() {
    return highWater;
  }

  @Override
  public long reserveBlock(int size) {
    for (int attempt = 1; ; attempt++) {
      if (!fence.mayWrite()) {
        throw new IllegalStateException("not the leader: reserving no indices");
      }
      try {
        ConfigMap current = api.get(namespace, name);
        long stored = current == null ? -1 : parseNext(current);
        long known = floor.getAsLong();
        if (stored < 0) {
          known = Math.max(known, floorWhenLost.getAsLong());
          stored = 0;
        }
        long from = Math.max(Math.max(stored, highWater), known);
        if (known > Math.max(stored, highWater)) {
          LOG.warn(
              "{} {} {} {} {}",
              kv("event", "index_state_behind"),
              kv("configmap", namespace + "/" + name),
              kv("stored_next", stored),
              kv("floor", known),
              kv("action", "resuming_at_floor"));
        }
        if (from + size > IndexSpace.CAPACITY) {
          throw new IndexSpaceExhausted(from);
        }
        if (current == null) {
          api.create(stateMap(from + size, null));
        } else {
          api.update(stateMap(from + size, current));
        }
        highWater = Math.max(highWater, from + size);
        reportUsage();
        // Announced (published in the copies) before any index of the block is handed out, so the
        // copies always know every index in use, even when counter and records are both lost.
        onReserved.accept(highWater);
        return from;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private void reportUsage() {
    double ratio = (double) highWater / IndexSpace.CAPACITY;
    usage.accept(ratio);
    if (ratio >= IndexSpace.WARN_RATIO && !warned) {
      warned = true;
      LOG.warn(
          "{} {} {} {}",
          kv("event", "index_space_nearly_used"),
          kv("reserved", highWater),
          kv("capacity", IndexSpace.CAPACITY),
          kv("ratio", String.format("%.2f", ratio)));
    }
  }

  private long parseNext(ConfigMap current) {
    String value = current.getData() == null ? null : current.getData().get(NEXT_INDEX_KEY);
    if (value == null) {
      // Lost, not unreadable: the ConfigMap also holds other state (the revoked signing keys),
      // which may have been written back after the counter was deleted.
      return -1;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      // Unreadable: the floor from the other sources decides; never restart at an unknown point.
      LOG.warn(
          "{} {} {}",
          kv("event", "index_state_unreadable"),
          kv("configmap", namespace + "/" + name),
          kv("action", "resuming_at_floor"));
      return -1;
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
