package dev.apitoken.operator.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.token.IndexBlockStore;
import java.util.function.DoubleConsumer;
import java.util.function.LongConsumer;
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

  private final StateEntries state;
  private final LongSupplier floor;
  private final LongSupplier floorWhenLost;
  private final LongConsumer onReserved;
  private final Fence fence;
  private final DoubleConsumer usage;
  private volatile long highWater;
  private boolean warned;

  /**
   * @param state the operator state ConfigMap, which holds the counter ({@value #NEXT_INDEX_KEY})
   * @param floor one past the highest index any other source knows was handed out
   * @param floorWhenLost where to resume when the counter itself is gone or unreadable: beyond
   *     everything the published copies cover. Copies announce reservations only after the fact, so
   *     a block reserved just before a stop may not be in any copy's announcement yet.
   * @param onReserved told the new high-water mark after each new block, before any index of it is
   *     handed out; returns once the mark is published (throws when it cannot be)
   * @param usage told the share of the index space reserved after each block
   */
  public ConfigMapIndexBlockStore(
      StateEntries state,
      LongSupplier floor,
      LongSupplier floorWhenLost,
      LongConsumer onReserved,
      Fence fence,
      DoubleConsumer usage) {
    this.state = state;
    this.floor = floor;
    this.floorWhenLost = floorWhenLost;
    this.onReserved = onReserved;
    this.fence = fence;
    this.usage = usage;
  }

  /** Reads how far indices have been reserved, by any replica, before this one started. */
  public void start() {
    highWater = Math.max(0, parseNext(state.read(NEXT_INDEX_KEY)));
  }

  /** One past the highest index reserved so far (by this process, or before it started). */
  public long highWater() {
    return highWater;
  }

  @Override
  public long reserveBlock(int size) {
    if (!fence.mayWrite()) {
      throw new IllegalStateException("not the leader: reserving no indices");
    }
    long[] from = new long[1];
    state.update(
        NEXT_INDEX_KEY,
        text -> {
          long stored = parseNext(text);
          long known = floor.getAsLong();
          if (stored < 0) {
            known = Math.max(known, floorWhenLost.getAsLong());
            stored = 0;
          }
          from[0] = Math.max(Math.max(stored, highWater), known);
          if (known > Math.max(stored, highWater)) {
            LOG.warn(
                "{} {} {} {}",
                kv("event", "index_state_behind"),
                kv("configmap", state.where()),
                kv("stored_next", stored),
                kv("floor", known),
                kv("action", "resuming_at_floor"));
          }
          if (from[0] + size > IndexSpace.CAPACITY) {
            throw new IndexSpaceExhausted(from[0]);
          }
          return Long.toString(from[0] + size);
        });
    highWater = Math.max(highWater, from[0] + size);
    reportUsage();
    // Announced (published in the copies) before any index of the block is handed out, so the
    // copies always know every index in use, even when counter and records are both lost.
    onReserved.accept(highWater);
    return from[0];
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

  /**
   * The stored counter; -1 when it is absent (lost: the ConfigMap also holds other state, which may
   * have been written back after the counter was deleted) or unreadable, so that the floor from the
   * other sources decides: never restart at an unknown point.
   */
  private long parseNext(String value) {
    try {
      return value == null ? -1 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      LOG.warn(
          "{} {} {}",
          kv("event", "index_state_unreadable"),
          kv("configmap", state.where()),
          kv("action", "resuming_at_floor"));
      return -1;
    }
  }
}
