package dev.apitoken.operator.token;

import java.util.Objects;

/**
 * Hands out revocation-list indices ({@code status.status_list.idx}), never the same one twice,
 * also across restarts: indices come from blocks reserved durably in an {@link IndexBlockStore}.
 * Indices left in a block when the process stops are skipped, never reused. Thread-safe.
 */
public final class IndexAllocator {

  private final IndexBlockStore store;
  private final int blockSize;
  private long nextIndex;
  private long blockEnd;

  public IndexAllocator(IndexBlockStore store, int blockSize) {
    this.store = Objects.requireNonNull(store, "store");
    if (blockSize <= 0) {
      throw new IllegalArgumentException("blockSize must be positive: " + blockSize);
    }
    this.blockSize = blockSize;
  }

  /** The next unused index, reserving a new block first when the current one is used up. */
  public synchronized long next() {
    if (nextIndex == blockEnd) {
      long blockStart = store.reserveBlock(blockSize);
      if (blockStart < 0) {
        throw new IllegalStateException("the index store returned a negative block start");
      }
      nextIndex = blockStart;
      blockEnd = blockStart + blockSize;
    }
    return nextIndex++;
  }

  /**
   * The exclusive upper bound of the blocks this allocator has reserved (0 before its first {@link
   * #next()}), so a status list this long covers every index it has handed out. Indices handed out
   * by earlier processes are not counted here.
   */
  public synchronized long reservedUpTo() {
    return blockEnd;
  }
}
