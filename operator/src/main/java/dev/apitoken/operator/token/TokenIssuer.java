package dev.apitoken.operator.token;

import dev.apitoken.format.TokenClaims;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.function.Supplier;

/** Signs a fresh token for a {@link DesiredToken} with the key ring's active key. */
public final class TokenIssuer {

  private final String statusUri;
  private final Supplier<SigningKey> activeKey;
  private final IndexAllocator indices;
  private final SecureRandom random;
  private final Clock clock;

  /**
   * @param statusUri the revocation list's URI; a token names the URI of its index's shard ({@link
   *     StatusListUris})
   * @param activeKey the signing key at the moment of issuing, since rotation may replace it
   */
  public TokenIssuer(
      String statusUri,
      Supplier<SigningKey> activeKey,
      IndexAllocator indices,
      SecureRandom random,
      Clock clock) {
    this.statusUri = Objects.requireNonNull(statusUri, "statusUri");
    this.activeKey = Objects.requireNonNull(activeKey, "activeKey");
    this.indices = Objects.requireNonNull(indices, "indices");
    this.random = Objects.requireNonNull(random, "random");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * A new token valid from now (whole seconds; {@code nbf} == {@code iat}) for {@code ttl}, with a
   * fresh {@code jti} and a revocation index never used before.
   */
  public SignedToken issue(DesiredToken desired) {
    return issue(desired, signingKey());
  }

  /** The key that signs now; a caller can check it is published before calling {@link #issue}. */
  public SigningKey signingKey() {
    return activeKey.get();
  }

  /** Like {@link #issue(DesiredToken)}, with a key from {@link #signingKey()}. */
  public SignedToken issue(DesiredToken desired, SigningKey key) {
    Instant issuedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    long index = indices.next();
    TokenClaims claims =
        new TokenClaims(
            desired.issuer(),
            desired.subject(),
            desired.audiences(),
            desired.scopes(),
            issuedAt,
            issuedAt,
            issuedAt.plus(desired.ttl()),
            TokenIds.newJti(random),
            index,
            StatusListUris.ofIndex(statusUri, index));
    return TokenSigner.sign(claims, key);
  }
}
