package dev.apitoken.operator.store;

/**
 * Asked before every write of operator state (the revocation store, index state, key ring,
 * published copies): a replica that lost the leader Lease must write nothing more, even in the
 * moments before it learns so from its own elector.
 */
@FunctionalInterface
public interface Fence {
  Fence OPEN = () -> true;

  boolean mayWrite();
}
