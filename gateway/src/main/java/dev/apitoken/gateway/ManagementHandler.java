package dev.apitoken.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.TrustHealth;
import dev.apitoken.verifier.VerifiedTokenCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the process answers), {@code /readyz} (trust is held and fresh; the policy's
 * state is shown but a refused change does not fail it, since the previous policy still works) and
 * {@code /metrics} on the management port.
 */
final class ManagementHandler implements HttpHandler {
  private final VerifierStarter verifiers;
  private final Supplier<String> policyStatus;
  private final GatewayMetrics metrics;

  ManagementHandler(
      VerifierStarter verifiers, Supplier<String> policyStatus, GatewayMetrics metrics) {
    this.verifiers = verifiers;
    this.policyStatus = policyStatus;
    this.metrics = metrics;
    metrics.watch(this::trustReady, this::cacheFigures);
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      switch (exchange.getRequestURI().getPath()) {
        case "/healthz" -> send(exchange, 200, "text/plain; charset=utf-8", "ok\n");
        case "/readyz" -> readiness(exchange);
        case "/metrics" -> send(exchange, 200, GatewayMetrics.CONTENT_TYPE, metrics.render());
        default -> send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
      }
    }
  }

  boolean trustReady() {
    TokenVerifier verifier = verifiers.verifier();
    return verifier != null && verifier.trustHealth().ready();
  }

  private void readiness(HttpExchange exchange) throws IOException {
    TokenVerifier verifier = verifiers.verifier();
    String trust;
    boolean ready;
    if (verifier == null) {
      ready = false;
      trust = "not ready: " + verifiers.problem();
    } else {
      TrustHealth health = verifier.trustHealth();
      ready = health.ready();
      trust = health.message();
    }
    send(
        exchange,
        ready ? 200 : 503,
        "text/plain; charset=utf-8",
        "trust: " + trust + "\n" + policyStatus.get() + "\n");
  }

  private VerifiedTokenCache.Statistics cacheFigures() {
    TokenVerifier verifier = verifiers.verifier();
    return verifier == null
        ? new VerifiedTokenCache.Statistics(0, 0, 0, 0)
        : verifier.cacheStatistics();
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }
}
