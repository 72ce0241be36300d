package dev.apitoken.operator.interop;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.operator.token.KeyRing;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A rotated key ring and claims as the operator issues them, shared by the interop tests. */
final class InteropFixtures {
  static final String ISSUER = "https://apitoken-operator.local";
  static final String STATUS_URI = ISSUER + "/statuslist";
  static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration ROTATION = Duration.ofDays(30);
  static final Instant NOW = CREATED.plus(ROTATION).plusSeconds(3600);

  private InteropFixtures() {}

  /** Two keys: the first retired at its rotation, the second active; both published. */
  static KeyRing rotatedRing() {
    SecureRandom random = new SecureRandom();
    KeyRing ring = KeyRing.create(CREATED, random).rotateIfDue(NOW, ROTATION, random);
    if (ring.keys().size() != 2) {
      throw new AssertionError("expected a rotated ring, got " + ring);
    }
    return ring;
  }

  static TokenClaims claims(long statusIndex, List<String> audiences, List<String> scopes) {
    return new TokenClaims(
        ISSUER,
        "system:serviceaccount:shop:checkout",
        audiences,
        scopes,
        NOW.minusSeconds(60),
        NOW.minusSeconds(60),
        NOW.plus(Duration.ofHours(1)),
        "AAECAwQFBgcICQoLDA0ODw",
        statusIndex,
        STATUS_URI);
  }
}
