package dev.apitoken.format;

import java.util.Map;
import java.util.TreeSet;

/**
 * The keys of a trusted JWKS ({@code jwks.json}), parsed strictly and decoded once: what both
 * tokens and Status List Tokens are verified against. Immutable and thread-safe.
 */
public final class TrustedKeys {
  private final Map<String, TrustedKey> byKid;

  private TrustedKeys(Map<String, TrustedKey> byKid) {
    this.byKid = byKid;
  }

  /**
   * Parses a {@code jwks.json} as the trust format fixes it (Ed25519 keys only, kid = RFC 7638
   * thumbprint, no private members).
   *
   * @throws TrustLoadException when the document or any key in it is malformed
   */
  public static TrustedKeys parse(String jwksJson) {
    if (jwksJson == null) {
      throw new TrustLoadException("the JWKS is missing");
    }
    return new TrustedKeys(Jwks.parse(jwksJson));
  }

  /** The keys of {@code byKid}, each under its own kid. */
  public static TrustedKeys of(Map<String, TrustedKey> byKid) {
    return new TrustedKeys(Map.copyOf(byKid));
  }

  /** Whether a key with this kid is trusted. */
  public boolean contains(String kid) {
    return byKid.containsKey(kid);
  }

  /** The key {@code kid}, or null when it is not trusted. */
  public TrustedKey key(String kid) {
    return byKid.get(kid);
  }

  /** Every key by kid (unmodifiable). */
  public Map<String, TrustedKey> asMap() {
    return byKid;
  }

  /** The kids, sorted; for logs. */
  @Override
  public String toString() {
    return new TreeSet<>(byKid.keySet()).toString();
  }
}
