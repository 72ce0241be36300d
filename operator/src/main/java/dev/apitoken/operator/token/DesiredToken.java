package dev.apitoken.operator.token;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The token an ApiToken asks for, with defaults already applied.
 *
 * @param issuer {@code iss}
 * @param subject {@code sub}
 * @param audiences {@code aud}; may be empty
 * @param scopes OAuth scopes, each without whitespace; may be empty
 * @param ttl how long each token is valid; whole seconds, positive
 * @param renewBefore how long before expiry a new token is issued; whole seconds, not negative and
 *     shorter than {@code ttl}, otherwise every new token would be due for renewal at once
 */
public record DesiredToken(
    String issuer,
    String subject,
    List<String> audiences,
    List<String> scopes,
    Duration ttl,
    Duration renewBefore) {

  public DesiredToken {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(subject, "subject");
    audiences = List.copyOf(audiences);
    scopes = List.copyOf(scopes);
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(renewBefore, "renewBefore");
    if (ttl.isZero() || ttl.isNegative() || ttl.getNano() != 0) {
      throw new IllegalArgumentException("ttl must be a positive number of whole seconds: " + ttl);
    }
    if (renewBefore.isNegative() || renewBefore.getNano() != 0) {
      throw new IllegalArgumentException(
          "renewBefore must be a non-negative number of whole seconds: " + renewBefore);
    }
    if (renewBefore.compareTo(ttl) >= 0) {
      throw new IllegalArgumentException(
          "renewBefore ("
              + Durations.format(renewBefore)
              + ") must be shorter than ttl ("
              + Durations.format(ttl)
              + ")");
    }
  }
}
