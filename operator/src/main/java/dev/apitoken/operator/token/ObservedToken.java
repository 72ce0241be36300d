package dev.apitoken.operator.token;

import dev.apitoken.format.TokenClaims;
import java.util.Optional;

/**
 * What the token Secret holds right now.
 *
 * @param secretExists whether the Secret exists
 * @param tokenValueHash {@link SignedToken#sha256Of} of the token in the Secret, {@code null} when
 *     there is none
 * @param verifiedClaims {@link TokenReader#verify} of the Secret's token; empty when absent or not
 *     verifiable
 * @param goneKid the {@code kid} the token's header names when that key is not in the ring (the
 *     header is not authenticated: this only tells why the token does not verify)
 * @param indexRevoked whether the verified token's status-list index is revoked in the stored
 *     revocation state
 */
public record ObservedToken(
    boolean secretExists,
    String tokenValueHash,
    Optional<TokenClaims> verifiedClaims,
    Optional<String> goneKid,
    boolean indexRevoked) {

  public ObservedToken(
      boolean secretExists,
      String tokenValueHash,
      Optional<TokenClaims> verifiedClaims,
      Optional<String> goneKid) {
    this(secretExists, tokenValueHash, verifiedClaims, goneKid, false);
  }

  public ObservedToken {
    verifiedClaims = verifiedClaims == null ? Optional.empty() : verifiedClaims;
    goneKid = goneKid == null ? Optional.empty() : goneKid;
  }

  public ObservedToken(
      boolean secretExists, String tokenValueHash, Optional<TokenClaims> verifiedClaims) {
    this(secretExists, tokenValueHash, verifiedClaims, Optional.empty());
  }

  /**
   * Observes a Secret holding {@code tokenValue} ({@code null} for none), checked against the ring.
   */
  public static ObservedToken of(String tokenValue, KeyRing ring) {
    if (tokenValue == null) {
      return new ObservedToken(true, null, Optional.empty());
    }
    return new ObservedToken(
        true,
        SignedToken.sha256Of(tokenValue),
        TokenReader.verify(tokenValue, ring),
        goneKid(tokenValue, ring));
  }

  /** The kid {@code tokenValue}'s header names, when the ring has no key by that id. */
  public static Optional<String> goneKid(String tokenValue, KeyRing ring) {
    return TokenReader.headerKid(tokenValue).filter(kid -> ring.byKid(kid).isEmpty());
  }

  /** No Secret at all. */
  public static ObservedToken secretMissing() {
    return new ObservedToken(false, null, Optional.empty());
  }
}
