package dev.apitoken.gateway.examples;

import java.net.URI;
import java.util.Set;

/**
 * The gateway Service the chart renders for release {@code apitoken-operator} in namespace {@code
 * apitoken-system} ({@code ChartGatewayTest} in the operator module checks the chart against the
 * same names): what every example must send its checks to.
 */
final class ChartGatewayService {
  static final String NAME = "apitoken-operator-gateway";
  static final String NAMESPACE = "apitoken-system";
  static final int PORT = 80;
  static final Set<String> HOSTS =
      Set.of(NAME + "." + NAMESPACE + ".svc", NAME + "." + NAMESPACE + ".svc.cluster.local");
  static final String FORWARD_AUTH_PATH = "/auth";
  static final String TRAEFIK_PATH = "/traefik";
  static final String ENVOY_PATH_PREFIX = "/envoy";
  static final String ISSUER = "https://apitoken-operator.local";

  private ChartGatewayService() {}

  /** Whether a proxy sending to {@code target} reaches this Service. */
  static boolean serves(URI target) {
    int port = target.getPort() < 0 ? 80 : target.getPort();
    return "http".equals(target.getScheme()) && HOSTS.contains(target.getHost()) && port == PORT;
  }
}
