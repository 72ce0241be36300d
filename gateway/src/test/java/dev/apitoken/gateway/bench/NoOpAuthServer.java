package dev.apitoken.gateway.bench;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's baseline: the gateway's HTTP server setup (JDK HttpServer, same backlog, same
 * bounded pool and queue) answering every {@code /auth} request 200 with fixed identity headers and
 * doing nothing else, so that the difference to the gateway is the verification and policy work.
 */
final class NoOpAuthServer implements AutoCloseable {
  static final String SUBJECT_HEADER = "X-Auth-Subject";

  private final HttpServer server;
  private final ExecutorService threads;

  private NoOpAuthServer(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  static NoOpAuthServer start(int threadCount) throws IOException {
    ExecutorService threads =
        new ThreadPoolExecutor(
            threadCount,
            threadCount,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(1024),
            new ThreadPoolExecutor.CallerRunsPolicy());
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.setExecutor(threads);
    server.createContext("/auth", NoOpAuthServer::allow);
    server.start();
    return new NoOpAuthServer(server, threads);
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
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
