package dev.apitoken.gateway;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.verifier.Rejection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's answer to one auth request, as RFC 6750 §3 spells the challenges. The body and
 * every header value are built from constants, the policy and verified claims only: never from the
 * token or the request, so nothing a client sent is echoed.
 *
 * @param status the HTTP status
 * @param outcome the metric label
 * @param headers response headers, in order
 * @param body a short text/plain explanation; empty on 200
 */
record Answer(int status, Outcome outcome, Map<String, String> headers, String body) {
  static final String REALM = "Bearer realm=\"apitoken\"";

  /** Envoy ext_authz (HTTP): request headers to remove before the request goes upstream. */
  static final String ENVOY_HEADERS_TO_REMOVE = "x-envoy-auth-headers-to-remove";

  /** 200 with the token's identity for the upstream. */
  static Answer allowed(TokenClaims claims, IdentityHeaders names) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(names.subject(), headerValue(claims.subject()));
    headers.put(names.scopes(), headerValue(String.join(" ", claims.scopes())));
    headers.put(names.tokenId(), headerValue(claims.jti()));
    headers.put(names.audience(), headerValue(String.join(" ", claims.audiences())));
    return new Answer(200, Outcome.ALLOWED, headers, "");
  }

  /**
   * 200 on an anonymous route: no identity headers, and Envoy is told to remove any the client
   * sent. Envoy (and Istio's ext_authz) only adds the headers of an answer and would otherwise pass
   * a client's own {@code X-Auth-Subject} upstream; ingress-nginx and Traefik already drop them
   * when the answer has none.
   */
  static Answer anonymous(IdentityHeaders names) {
    String identity =
        String.join(",", names.subject(), names.scopes(), names.tokenId(), names.audience())
            .toLowerCase(java.util.Locale.ROOT);
    return new Answer(200, Outcome.ALLOWED, Map.of(ENVOY_HEADERS_TO_REMOVE, identity), "");
  }

  /** 401 without an error attribute: the request carried no bearer credentials (§3.1). */
  static Answer noToken() {
    return new Answer(
        401, Outcome.UNAUTHENTICATED, Map.of("WWW-Authenticate", REALM), "bearer token required");
  }

  /** 401 {@code invalid_token} naming the verifier's reason. */
  static Answer invalidToken(String reason) {
    return new Answer(
        401,
        Outcome.UNAUTHENTICATED,
        Map.of(
            "WWW-Authenticate",
            REALM + ", error=\"invalid_token\", error_description=\"" + reason + "\""),
        reason);
  }

  /** 403 {@code insufficient_scope}: a valid token without the route's audience or scopes. */
  static Answer insufficientScope(Rule rule, String description) {
    StringBuilder challenge = new StringBuilder(REALM).append(", error=\"insufficient_scope\"");
    if (!rule.scopes().isEmpty()) {
      challenge.append(", scope=\"").append(rule.scopeText()).append('"');
    }
    challenge.append(", error_description=\"").append(description).append('"');
    return new Answer(
        403, Outcome.FORBIDDEN, Map.of("WWW-Authenticate", challenge.toString()), description);
  }

  /** 403 on a denied route: no challenge, since no token would help. */
  static Answer denied() {
    return new Answer(403, Outcome.FORBIDDEN, Map.of(), "denied by policy");
  }

  /**
   * 400: the request's host or path is one the upstream could read differently; no token would
   * help, so no challenge. The reason is the gateway's own fixed text ({@link RequestRefused}).
   */
  static Answer refused(String reason) {
    return new Answer(400, Outcome.REFUSED, Map.of(), reason);
  }

  /** 503: the gateway cannot judge tokens now; the proxy may retry. */
  static Answer unavailable(String reason) {
    return new Answer(503, Outcome.UNAVAILABLE, Map.of("Retry-After", "1"), reason);
  }

  /** A rejection in words, for {@code error_description} and the body. */
  static String describe(Rejection rejection) {
    return switch (rejection) {
      case TOO_LARGE -> "token too large";
      case MALFORMED -> "malformed token";
      case UNKNOWN_KEY -> "token signed by an unknown key";
      case BAD_SIGNATURE -> "bad token signature";
      case WRONG_ISSUER -> "token of another issuer";
      case WRONG_AUDIENCE -> "token not for this audience";
      case EXPIRED -> "token expired";
      case NOT_YET_VALID -> "token not yet valid";
      case STATUS_LIST_MISSING -> "status list not available";
      case STATUS_UNKNOWN -> "token status unknown";
      case REVOKED -> "token revoked";
      case STATUS_STALE -> "status list stale";
    };
  }

  /**
   * A claim as a header value: claims are signed by the issuer, but a header must still never carry
   * a line break or a non-ASCII character the proxy might mangle.
   */
  private static String headerValue(String claim) {
    return dev.apitoken.format.UntrustedText.escape(claim, 4096);
  }
}
