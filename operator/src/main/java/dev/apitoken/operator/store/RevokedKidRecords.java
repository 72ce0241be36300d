package dev.apitoken.operator.store;

import dev.apitoken.operator.token.RevokedKids;

/**
 * The records of revoked signing keys kept outside the key-ring Secret: the operator state and
 * every published trust copy. The Secret alone is not enough: restoring a backup of it taken before
 * a revocation would bring the compromised key back. The key-ring store takes the union of all of
 * them at start and at every maintenance pass.
 */
public interface RevokedKidRecords {
  /** Keeps nothing anywhere else (tests of the key ring on its own). */
  RevokedKidRecords NONE =
      new RevokedKidRecords() {
        @Override
        public RevokedKids shownByCopies() {
          return RevokedKids.none();
        }

        @Override
        public RevokedKids readState() {
          return RevokedKids.none();
        }

        @Override
        public void store(RevokedKids kids) {}
      };

  /** What the published copies show, as last seen (from memory: never fails). */
  RevokedKids shownByCopies();

  /** What the operator state records, read from the API server (throws when it cannot be read). */
  RevokedKids readState();

  /**
   * Makes the operator state hold exactly {@code kids} (already merged with what it held, expired
   * kids dropped) and asks for the copies to show them. Leader only.
   */
  void store(RevokedKids kids);

  /**
   * Keeps a {@link dev.apitoken.operator.token.KeyRevocationStatement} (signed by the revoked key)
   * and publishes it with the trust copies. Leader only.
   */
  default void stated(String statement) {}
}
