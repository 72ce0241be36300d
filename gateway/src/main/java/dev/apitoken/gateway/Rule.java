package dev.apitoken.gateway;

import java.util.List;

/**
 * What a route (or the policy's default) requires of a request.
 *
 * @param audience an audience the token's {@code aud} must contain, or null for any
 * @param scopes scopes the token must all hold; empty for none
 * @param anonymous whether the request is allowed without a token
 * @param deny whether the request is refused (403) whatever it carries
 */
public record Rule(String audience, List<String> scopes, boolean anonymous, boolean deny) {
  /** A valid token of any audience, no scope required: the default without a policy file. */
  public static final Rule TOKEN_REQUIRED = new Rule(null, List.of(), false, false);

  public Rule {
    scopes = List.copyOf(scopes);
    if (anonymous && deny) {
      throw new IllegalArgumentException("anonymous and deny exclude each other");
    }
  }

  /** The scopes as RFC 6750 writes them in {@code scope="..."}: space-separated. */
  public String scopeText() {
    return String.join(" ", scopes);
  }
}
