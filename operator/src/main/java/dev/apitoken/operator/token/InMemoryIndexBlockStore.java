package dev.apitoken.operator.token;

import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link IndexBlockStore} that lives as long as the object: durable across allocators sharing
 * it, not across processes. For tests and for wiring without a cluster.
 */
public final class InMemoryIndexBlockStore implements IndexBlockStore {

  private final AtomicLong nextFree;

  public InMemoryIndexBlockStore() {
    this(0);
  }

  /** A store whose first block starts at {@code firstIndex}, as if earlier ones were reserved. */
  public InMemoryIndexBlockStore(long firstIndex) {
    if (firstIndex < 0) {
      throw new IllegalArgumentException("firstIndex must not be negative: " + firstIndex);
    }
    this.nextFree = new AtomicLong(firstIndex);
  }

  @Override
  public long reserveBlock(int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("block size must be positive: " + size);
    }
    return nextFree.getAndAdd(size);
  }

  /** The first index no block has reserved yet. */
  public long nextFree() {
    return nextFree.get();
  }
}
