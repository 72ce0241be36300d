package dev.apitoken.gateway.bench;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.apitoken.gateway.HttpServers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;

/**
 * The benchmark's baseline: the gateway's auth server setup ({@link HttpServers#authServer}: JDK
 * HttpServer, backlog, bounded pool and queue) answering every {@code /auth} request 200 with fixed
 * identity headers and doing nothing else, so that the difference to the gateway is the
 * verification and policy work.
 */
final class NoOpAuthServer implements AutoCloseable {
  static final String SUBJECT_HEADER = "X-Auth-Subject";

  private final HttpServer server;

  private NoOpAuthServer(HttpServer server) {
    this.server = server;
  }

  static NoOpAuthServer start(int threads) throws IOException {
    HttpServer server =
        HttpServers.authServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), threads);
    server.createContext("/auth", NoOpAuthServer::allow);
    server.start();
    return new NoOpAuthServer(server);
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }

  private static void allow(HttpExchange exchange) throws IOException {
    try (exchange) {
      Headers headers = exchange.getResponseHeaders();
      headers.set(SUBJECT_HEADER, "system:serviceaccount:shop:checkout");
      headers.set("X-Auth-Scopes", "orders:read orders:write");
      headers.set("X-Auth-Token-Id", "AAECAwQFBgcICQoLDA0ODw");
      headers.set("X-Auth-Audience", "orders billing");
      exchange.sendResponseHeaders(200, -1);
    }
  }
}
