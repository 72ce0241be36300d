package dev.apitoken.format;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * What a token says: the claims the operator signs and a verifier hands back for an accepted token.
 * Instants are whole seconds, as the token carries NumericDate seconds, so claims survive a
 * sign/read round trip unchanged.
 *
 * @param issuer {@code iss}
 * @param subject {@code sub}
 * @param audiences {@code aud}; empty when the token names no audience
 * @param scopes {@code scope}, one entry per space-separated OAuth scope; empty for none
 * @param issuedAt {@code iat}
 * @param notBefore {@code nbf}
 * @param expiresAt {@code exp}
 * @param jti the token's unique id
 * @param statusIndex {@code status.status_list.idx}, the token's index in the status list
 * @param statusUri {@code status.status_list.uri}, the status list the index belongs to
 */
public record TokenClaims(
    String issuer,
    String subject,
    List<String> audiences,
    List<String> scopes,
    Instant issuedAt,
    Instant notBefore,
    Instant expiresAt,
    String jti,
    long statusIndex,
    String statusUri) {

  public TokenClaims {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(subject, "subject");
    audiences = List.copyOf(audiences);
    scopes = List.copyOf(scopes);
    for (String scope : scopes) {
      // The token joins scopes with spaces; a scope that is empty or contains whitespace would
      // read back as different scopes.
      if (scope.isEmpty() || scope.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("a scope must be non-empty and contain no whitespace");
      }
    }
    issuedAt = issuedAt.truncatedTo(ChronoUnit.SECONDS);
    notBefore = notBefore.truncatedTo(ChronoUnit.SECONDS);
    expiresAt = expiresAt.truncatedTo(ChronoUnit.SECONDS);
    Objects.requireNonNull(jti, "jti");
    if (statusIndex < 0) {
      throw new IllegalArgumentException("statusIndex must not be negative: " + statusIndex);
    }
    Objects.requireNonNull(statusUri, "statusUri");
  }

  /** The {@code scope} claim: scopes joined by single spaces. */
  public String scope() {
    return String.join(" ", scopes);
  }

  /** Whether the token grants {@code scope}. */
  public boolean hasScope(String scope) {
    return scopes.contains(scope);
  }
}
