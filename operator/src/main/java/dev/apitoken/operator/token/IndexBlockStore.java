package dev.apitoken.operator.token;

/**
 * Durable storage of the revocation-index high-water mark. Reserving whole blocks keeps the number
 * of durable writes low while guaranteeing that an index is never handed out twice.
 */
public interface IndexBlockStore {

  /**
   * Durably reserves the next block of {@code size} indices and returns its first index; blocks
   * never overlap, also across process restarts.
   */
  long reserveBlock(int size);
}
