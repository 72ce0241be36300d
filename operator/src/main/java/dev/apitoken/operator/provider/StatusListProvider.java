package dev.apitoken.operator.provider;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.apitoken.operator.runtime.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Status List provider: serves every shard's Status List Token and the JWKS over plain HTTP on
 * its own port (TLS is the Ingress' or the mesh's job), with strong ETags, {@code If-None-Match} →
 * 304, {@code Cache-Control: max-age=<ttl>} and gzip.
 *
 * <p>A conditional GET with {@code ?wait=<n>s} (at most 60 s) whose ETag is current is a long-poll:
 * it is answered as soon as the document changes, else with 304 at the deadline. A waiting request
 * holds no thread: its exchange is parked and completed from the change notification or from a
 * scheduler thread at its deadline. Waiters are bounded; past the bound a request is refused with
 * 503 and {@code Retry-After}.
 */
public final class StatusListProvider implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusListProvider.class);

  /** The longest long-poll a client may ask for. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(60);

  private static final Pattern WAIT = Pattern.compile("(?:^|&)wait=(\\d{1,4})s?(?:&|$)");
  private static final int REQUEST_THREADS = 4;
  private static final int REQUEST_QUEUE = 256;
  private static final int RETRY_AFTER_SECONDS = 5;

  private final HttpServer server;
  private final ThreadPoolExecutor requests;
  private final ExecutorService completions;
  private final ScheduledThreadPoolExecutor deadlines;
  private final PublishedFiles files;
  private final String cacheControl;
  private final int maxWaiters;
  private final AtomicInteger waiting = new AtomicInteger();
  private final LongAdder notModified = new LongAdder();
  private final LongAdder refusedLongPolls = new LongAdder();
  private final ConcurrentHashMap<String, Set<Waiter>> waitersByPath = new ConcurrentHashMap<>();

  private StatusListProvider(
      HttpServer server, PublishedFiles files, Duration ttl, int maxWaiters) {
    this.server = server;
    this.files = files;
    this.cacheControl = "max-age=" + ttl.toSeconds();
    this.maxWaiters = maxWaiters;
    this.requests =
        new ThreadPoolExecutor(
            REQUEST_THREADS,
            REQUEST_THREADS,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(REQUEST_QUEUE),
            DaemonThreads.named("status-http"),
            new ThreadPoolExecutor.CallerRunsPolicy());
    this.completions =
        new ThreadPoolExecutor(
            1,
            2,
            30,
            TimeUnit.SECONDS,
            new java.util.concurrent.LinkedBlockingQueue<>(),
            DaemonThreads.named("status-long-poll"));
    this.deadlines = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("status-deadline"));
    deadlines.setRemoveOnCancelPolicy(true);
  }

  /**
   * Binds {@code port} on all interfaces (0 picks a free port) and serves what {@code files} holds;
   * {@code files} must already be started or be started by the caller.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static StatusListProvider start(
      int port, PublishedFiles files, Duration ttl, int maxWaiters) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(port), 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on the status port " + port, e);
    }
    StatusListProvider provider = new StatusListProvider(server, files, ttl, maxWaiters);
    server.setExecutor(provider.requests);
    server.createContext("/", provider::handle);
    files.onChange(provider::changed);
    server.start();
    LOG.info(
        "event=status_provider_started port={} path={} jwks={} max_waiters={}",
        provider.port(),
        files.shardPath(0),
        PublishedFiles.JWKS_PATH,
        maxWaiters);
    return provider;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Long-polls parked right now. */
  public int waiters() {
    return waiting.get();
  }

  /** Answers 304 so far: conditional GETs and long-polls that reached their deadline unchanged. */
  public long notModifiedResponses() {
    return notModified.sum();
  }

  /** Long-polls refused with 503 so far because {@code maxWaiters} were already parked. */
  public long refusedLongPolls() {
    return refusedLongPolls.sum();
  }

  private void handle(HttpExchange exchange) throws IOException {
    boolean parked = false;
    try {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        plain(exchange, 405, "use GET\n");
        return;
      }
      String path = exchange.getRequestURI().getRawPath();
      ServedFile file = files.get(path);
      if (file == null) {
        if (files.knows(path) && (path.equals(files.shardPath(0)) || isJwks(path))) {
          // Not seen yet by this replica (it is starting): come back shortly.
          exchange.getResponseHeaders().set("Retry-After", "1");
          plain(exchange, 503, "not published yet\n");
        } else {
          plain(exchange, 404, "not found\n");
        }
        return;
      }
      String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
      if (!file.matches(ifNoneMatch)) {
        send(exchange, file);
        return;
      }
      long waitSeconds = requestedWait(exchange.getRequestURI().getRawQuery());
      if (waitSeconds <= 0) {
        send(exchange, file);
        return;
      }
      parked = park(exchange, path, ifNoneMatch, waitSeconds);
    } finally {
      if (!parked) {
        exchange.close();
      }
    }
  }

  private static boolean isJwks(String path) {
    return PublishedFiles.JWKS_PATH.equals(path);
  }

  private static long requestedWait(String query) {
    if (query == null) {
      return 0;
    }
    Matcher matcher = WAIT.matcher(query);
    return matcher.find() ? Math.min(MAX_WAIT.toSeconds(), Long.parseLong(matcher.group(1))) : 0;
  }

  /** Parks a long-poll; false (and already answered) when the bound on waiters is reached. */
  private boolean park(HttpExchange exchange, String path, String ifNoneMatch, long waitSeconds)
      throws IOException {
    if (waiting.incrementAndGet() > maxWaiters) {
      waiting.decrementAndGet();
      refusedLongPolls.increment();
      exchange.getResponseHeaders().set("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
      plain(exchange, 503, "too many clients are waiting; retry later\n");
      return false;
    }
    Waiter waiter = new Waiter(exchange, path, ifNoneMatch);
    waitersByPath.computeIfAbsent(path, p -> ConcurrentHashMap.newKeySet()).add(waiter);
    try {
      waiter.deadline = deadlines.schedule(() -> complete(waiter), waitSeconds, TimeUnit.SECONDS);
    } catch (RejectedExecutionException stopping) {
      complete(waiter);
      return true;
    }
    // The document may have changed between the check and the parking.
    ServedFile now = files.get(path);
    if (now == null || !now.matches(ifNoneMatch)) {
      complete(waiter);
    }
    return true;
  }

  /** Wakes every long-poll on {@code path} whose ETag is no longer current. */
  private void changed(String path) {
    Set<Waiter> waiters = waitersByPath.get(path);
    if (waiters == null || waiters.isEmpty()) {
      return;
    }
    ServedFile now = files.get(path);
    for (Waiter waiter : waiters) {
      if (now == null || !now.matches(waiter.ifNoneMatch)) {
        try {
          completions.execute(() -> complete(waiter));
        } catch (RejectedExecutionException stopping) {
          return;
        }
      }
    }
  }

  /** Answers a parked long-poll once: 200 with the new document, or 304 when it is unchanged. */
  private void complete(Waiter waiter) {
    if (!waiter.done.compareAndSet(false, true)) {
      return;
    }
    Set<Waiter> waiters = waitersByPath.get(waiter.path);
    if (waiters != null) {
      waiters.remove(waiter);
    }
    waiting.decrementAndGet();
    ScheduledFuture<?> deadline = waiter.deadline;
    if (deadline != null) {
      deadline.cancel(false);
    }
    HttpExchange exchange = waiter.exchange;
    try (exchange) {
      ServedFile file = files.get(waiter.path);
      if (file == null) {
        exchange.getResponseHeaders().set("Retry-After", "1");
        plain(exchange, 503, "not published\n");
      } else {
        send(exchange, file);
      }
    } catch (IOException | RuntimeException clientGone) {
      LOG.debug("event=status_long_poll_write_failed error={}", clientGone.toString());
    }
  }

  /** 304 when the client has {@code file} already, else 200 with it (gzip when asked). */
  private void send(HttpExchange exchange, ServedFile file) throws IOException {
    var headers = exchange.getResponseHeaders();
    boolean gzip = acceptsGzip(exchange.getRequestHeaders().getFirst("Accept-Encoding"));
    headers.set("ETag", gzip ? file.gzipEtag() : file.etag());
    headers.set("Cache-Control", cacheControl);
    headers.set("Vary", "Accept-Encoding");
    if (file.matches(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
      notModified.increment();
      exchange.sendResponseHeaders(304, -1);
      return;
    }
    headers.set("Content-Type", file.contentType());
    byte[] body = gzip ? file.gzipped() : file.body();
    if (gzip) {
      headers.set("Content-Encoding", "gzip");
    }
    if (exchange.getRequestMethod().equals("HEAD")) {
      headers.set("Content-Length", Integer.toString(body.length));
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String coding : acceptEncoding.split(",")) {
      String[] parts = coding.trim().split(";");
      if (parts[0].trim().equalsIgnoreCase("gzip")) {
        for (int i = 1; i < parts.length; i++) {
          String parameter = parts[i].trim().replace(" ", "");
          if (parameter.matches("q=0(\\.0{0,3})?")) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }

  private static void plain(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    deadlines.shutdownNow();
    completions.shutdownNow();
    requests.shutdownNow();
    LOG.info("event=status_provider_stopped");
  }

  private static final class Waiter {
    final HttpExchange exchange;
    final String path;
    final String ifNoneMatch;
    final AtomicBoolean done = new AtomicBoolean();
    volatile ScheduledFuture<?> deadline;

    Waiter(HttpExchange exchange, String path, String ifNoneMatch) {
      this.exchange = exchange;
      this.path = path;
      this.ifNoneMatch = ifNoneMatch;
    }
  }
}
