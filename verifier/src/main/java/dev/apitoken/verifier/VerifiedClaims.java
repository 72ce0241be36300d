package dev.apitoken.verifier;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The claims of an accepted token.
 *
 * @param issuer {@code iss}
 * @param subject {@code sub}
 * @param audience {@code aud}; empty when the token names no audience
 * @param scopes {@code scope} split at spaces; empty when the token has no scope
 * @param issuedAt {@code iat}
 * @param notBefore {@code nbf}
 * @param expiresAt {@code exp}
 * @param jti {@code jti}, the token's unique id
 * @param statusIndex {@code status.status_list.idx}, the token's index in the status list
 * @param statusUri {@code status.status_list.uri}, the status list the index belongs to
 */
public record VerifiedClaims(
    String issuer,
    String subject,
    List<String> audience,
    List<String> scopes,
    Instant issuedAt,
    Instant notBefore,
    Instant expiresAt,
    String jti,
    long statusIndex,
    String statusUri) {

  public VerifiedClaims {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(subject, "subject");
    audience = List.copyOf(audience);
    scopes = List.copyOf(scopes);
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(jti, "jti");
    Objects.requireNonNull(statusUri, "statusUri");
  }

  /** Whether {@code scope} contains {@code scope}. */
  public boolean hasScope(String scope) {
    return scopes.contains(scope);
  }
}
