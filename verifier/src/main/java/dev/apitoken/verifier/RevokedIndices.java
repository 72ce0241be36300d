package dev.apitoken.verifier;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListShards;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The indices of one status list (one URI) that the verifier has seen with a status other than
 * VALID in a list it accepted. It only grows, for the life of the process: a later list, a lower
 * version, a stale list or an edited file can never make such an index VALID again.
 *
 * <p>One bit per index, in one page per shard, allocated on the first revoked index of that shard:
 * a page is {@link StatusListShards#SHARD_SIZE} = 2^21 bits = 256 KiB, and there are at most {@link
 * StatusListShards#MAX_SHARDS} = 16 pages (4 MiB) per list. In the operator's layout every shard
 * has its own URI, so a list holds one page. Indices at or beyond {@link
 * StatusListShards#INDEX_LIMIT} never exist and are not recorded.
 *
 * <p>Reads are lock-free; writes come from the trust sources, one at a time.
 */
final class RevokedIndices {
  private static final int WORDS_PER_PAGE = (int) (StatusListShards.SHARD_SIZE / Long.SIZE);

  private final AtomicReferenceArray<AtomicLongArray> pages =
      new AtomicReferenceArray<>(StatusListShards.MAX_SHARDS);

  /** Whether {@code idx} was ever seen revoked; false for an index that never exists. */
  boolean contains(long idx) {
    int shard = StatusListShards.shardOf(idx);
    if (shard < 0) {
      return false;
    }
    AtomicLongArray page = pages.get(shard);
    if (page == null) {
      return false;
    }
    long offset = idx - shard * StatusListShards.SHARD_SIZE;
    return (page.get((int) (offset >>> 6)) & (1L << offset)) != 0;
  }

  /**
   * Records every index of {@code list} whose status is not VALID.
   *
   * @return how many of them were not recorded before
   */
  synchronized int addAll(StatusList list) {
    int bits = list.bits();
    int perByte = 8 / bits;
    int mask = (1 << bits) - 1;
    byte[] bytes = list.toBytes();
    long first = list.firstIndex();
    int added = 0;
    for (int at = 0; at < bytes.length; at++) {
      int value = bytes[at] & 0xFF;
      if (value == 0) {
        continue;
      }
      long base = first + (long) at * perByte;
      if (base >= StatusListShards.INDEX_LIMIT) {
        break;
      }
      for (int entry = 0; entry < perByte; entry++) {
        if (((value >>> (entry * bits)) & mask) != 0 && add(base + entry)) {
          added++;
        }
      }
    }
    return added;
  }

  // Holds this.
  private boolean add(long idx) {
    int shard = StatusListShards.shardOf(idx);
    if (shard < 0) {
      return false;
    }
    AtomicLongArray page = pages.get(shard);
    if (page == null) {
      page = new AtomicLongArray(WORDS_PER_PAGE);
      pages.set(shard, page);
    }
    long offset = idx - shard * StatusListShards.SHARD_SIZE;
    int word = (int) (offset >>> 6);
    long bit = 1L << offset;
    long before = page.get(word);
    if ((before & bit) != 0) {
      return false;
    }
    page.set(word, before | bit);
    return true;
  }
}
