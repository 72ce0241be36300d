package dev.apitoken.verifier.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

/**
 * A Status List provider as the contract describes it, on loopback, for verifier tests: the JWKS at
 * {@code /.well-known/jwks.json} and any number of documents by path, with a strong ETag, {@code
 * If-None-Match} → 304, {@code ?wait=<n>s} long-polls, gzip when asked, and switches to fail.
 */
public final class FakeProvider implements AutoCloseable {
  public static final String JWKS_PATH = "/.well-known/jwks.json";

  /** A request as the provider saw it. */
  public record Seen(String path, String query, int status, long atNanos) {}

  private final HttpServer server;
  private final ExecutorService threads;
  private final Map<String, String> documents = new ConcurrentHashMap<>();
  private final Object changed = new Object();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private volatile int failWith; // 0: answer normally
  private volatile String retryAfter;

  public FakeProvider() throws IOException {
    AtomicInteger count = new AtomicInteger();
    threads =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "fake-provider-" + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1000);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public String uri(String path) {
    return base() + path;
  }

  /** Serves {@code body} at {@code path} from now on, waking the long-polls of that path. */
  public void publish(String path, String body) {
    documents.put(path, body);
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  /** Every request answers {@code status} (0 to answer normally again). */
  public void failWith(int status, String retryAfterSeconds) {
    this.retryAfter = retryAfterSeconds;
    this.failWith = status;
  }

  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  public long count(String path, int status) {
    return seen.stream().filter(s -> s.path().equals(path) && s.status() == status).count();
  }

  /** Long-polls held right now. */
  public int waiting() {
    return waiting.get();
  }

  public static String etag(String body) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String query = exchange.getRequestURI().getQuery();
      int fail = failWith;
      if (fail != 0) {
        if (retryAfter != null) {
          exchange.getResponseHeaders().set("Retry-After", retryAfter);
        }
        answer(exchange, path, query, fail, null);
        return;
      }
      String body = documents.get(path);
      if (body == null) {
        answer(exchange, path, query, 404, null);
        return;
      }
      String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
      long waitMillis = waitMillis(query);
      if (ifNoneMatch != null && ifNoneMatch.equals(etag(body)) && waitMillis > 0) {
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        waiting.incrementAndGet();
        try {
          synchronized (changed) {
            while (ifNoneMatch.equals(etag(documents.get(path)))) {
              long left = (deadline - System.nanoTime()) / 1_000_000;
              if (left <= 0) {
                break;
              }
              changed.wait(left);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          waiting.decrementAndGet();
        }
        body = documents.get(path);
        if (failWith != 0) {
          answer(exchange, path, query, failWith, null);
          return;
        }
      }
      String tag = etag(body);
      exchange.getResponseHeaders().set("ETag", tag);
      exchange.getResponseHeaders().set("Cache-Control", "max-age=30");
      if (tag.equals(ifNoneMatch)) {
        answer(exchange, path, query, 304, null);
        return;
      }
      exchange
          .getResponseHeaders()
          .set(
              "Content-Type",
              path.equals(JWKS_PATH) ? "application/jwk-set+json" : "application/statuslist+jwt");
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      String acceptEncoding = exchange.getRequestHeaders().getFirst("Accept-Encoding");
      if (acceptEncoding != null && acceptEncoding.contains("gzip")) {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
          gzip.write(bytes);
        }
        bytes = zipped.toByteArray();
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
      }
      answer(exchange, path, query, 200, bytes);
    }
  }

  private void answer(HttpExchange exchange, String path, String query, int status, byte[] body)
      throws IOException {
    seen.add(new Seen(path, query, status, System.nanoTime()));
    exchange.sendResponseHeaders(status, body == null ? -1 : body.length);
    if (body != null) {
      exchange.getResponseBody().write(body);
    }
  }

  private static long waitMillis(String query) {
    if (query == null) {
      return 0;
    }
    for (String parameter : query.split("&")) {
      if (parameter.startsWith("wait=") && parameter.endsWith("s")) {
        return Math.min(60, Long.parseLong(parameter.substring(5, parameter.length() - 1))) * 1000;
      }
    }
    return 0;
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
