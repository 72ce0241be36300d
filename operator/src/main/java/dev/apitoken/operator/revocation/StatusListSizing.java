package dev.apitoken.operator.revocation;

/**
 * How long the published status list is. The draft tells verifiers to reject an index outside the
 * list, and workloads read a copy that may be minutes old, so the list must already cover indices
 * that are about to be issued: it always extends {@link #HEADROOM} indices beyond every index
 * reserved so far. Zeros compress to almost nothing, so the headroom is nearly free.
 */
public final class StatusListSizing {
  /** Indices published ahead of allocation: far more than are issued between two publishes. */
  public static final long HEADROOM = 1L << 16;

  private StatusListSizing() {}

  /** The list size for indices reserved up to {@code reservedUpTo} (exclusive). */
  public static long publishedSize(long reservedUpTo) {
    long wanted = reservedUpTo + HEADROOM;
    return (wanted + HEADROOM - 1) / HEADROOM * HEADROOM;
  }
}
