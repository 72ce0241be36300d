package dev.apitoken.operator.token;

import java.util.Optional;

/**
 * What the token Secret holds right now.
 *
 * @param secretExists whether the Secret exists
 * @param tokenValueHash {@link SignedToken#sha256Of} of the token in the Secret, {@code null} when
 *     there is none
 * @param verifiedClaims {@link TokenReader#verify} of the Secret's token; empty when absent or not
 *     verifiable
 */
public record ObservedToken(
    boolean secretExists, String tokenValueHash, Optional<TokenClaims> verifiedClaims) {

  public ObservedToken {
    verifiedClaims = verifiedClaims == null ? Optional.empty() : verifiedClaims;
  }

  /**
   * Observes a Secret holding {@code tokenValue} ({@code null} for none), checked against the ring.
   */
  public static ObservedToken of(String tokenValue, KeyRing ring) {
    if (tokenValue == null) {
      return new ObservedToken(true, null, Optional.empty());
    }
    return new ObservedToken(
        true, SignedToken.sha256Of(tokenValue), TokenReader.verify(tokenValue, ring));
  }

  /** No Secret at all. */
  public static ObservedToken secretMissing() {
    return new ObservedToken(false, null, Optional.empty());
  }
}
