package dev.apitoken.gateway;

import java.util.Objects;

/**
 * The names of the response headers that carry an accepted token's identity to the upstream.
 *
 * @param subject carries {@code sub}
 * @param scopes carries the scopes, space-separated
 * @param tokenId carries {@code jti}
 * @param audience carries {@code aud}, space-separated
 */
public record IdentityHeaders(String subject, String scopes, String tokenId, String audience) {
  public static final IdentityHeaders DEFAULT =
      new IdentityHeaders("X-Auth-Subject", "X-Auth-Scopes", "X-Auth-Token-Id", "X-Auth-Audience");

  public IdentityHeaders {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(scopes, "scopes");
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(audience, "audience");
  }
}
