package dev.apitoken.gateway;

import java.util.Locale;

/** How an auth request was answered; the {@code outcome} label of the request counter. */
enum Outcome {
  /** 200: a valid token the route accepts, or an anonymous route. */
  ALLOWED,
  /** 401: no token, or a token the verifier rejected. */
  UNAUTHENTICATED,
  /** 403: a valid token without the route's audience or scopes, or a denied route. */
  FORBIDDEN,
  /** 400: a host or path the proxy's upstream could read differently from the gateway. */
  REFUSED,
  /** 503: the gateway holds no usable trust to judge the token with yet. */
  UNAVAILABLE;

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
