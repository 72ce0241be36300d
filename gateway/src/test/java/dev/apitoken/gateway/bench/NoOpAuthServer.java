package dev.apitoken.gateway.bench;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.apitoken.gateway.HttpServers;
import dev.apitoken.http.HttpService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The benchmark's baseline: the gateway's auth server setup ({@link HttpServers#authServer}: JDK
 * HttpServer, backlog, bounded pool and queue) answering every {@code /auth} request 200 with fixed
 * identity headers and doing nothing else, so that the difference to the gateway is the
 * verification and policy work.
 */
final class NoOpAuthServer implements AutoCloseable {
  static final String SUBJECT_HEADER = "X-Auth-Subject";

  private final HttpService server;

  private NoOpAuthServer(HttpService server) {
    this.server = server;
  }

  static NoOpAuthServer start(int threads) throws IOException {
    return new NoOpAuthServer(
        HttpServers.authServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), threads)
            .handle("/auth", NoOpAuthServer::allow)
            .start());
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
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
