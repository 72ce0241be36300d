package dev.apitoken.gateway;

import java.util.Locale;

/** Which auth endpoint answered; the {@code endpoint} label of the request counter. */
enum Endpoint {
  /** {@code /auth}: ingress-nginx auth-url, Traefik forwardAuth. */
  AUTH,
  /** {@code /envoy/...}: Envoy / Istio ext_authz over HTTP. */
  ENVOY;

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
