package dev.apitoken.operator.provider;

import static net.logstash.logback.argument.StructuredArguments.kv;

import com.sun.net.httpserver.HttpExchange;
import dev.apitoken.http.HttpService;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.runtime.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
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
 *
 * <p>A slow client must not stall the others. The port is Jetty ({@link HttpService}): request
 * heads are read without a thread per connection and must arrive within the header deadline, so
 * slowloris clients hold no thread; a woken long-poll is answered on a small pool of {@value
 * #ANSWER_THREADS} threads, so one blocked write does not hold the rest; and a write that makes no
 * progress for the write deadline ({@link #ANSWER_WRITE_DEADLINE}, the port's idle timeout) fails
 * and closes that client's connection, freeing the thread. A parked long-poll is not idle in that
 * sense: it writes nothing until it is answered.
 */
public final class StatusListProvider implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusListProvider.class);

  /** The longest long-poll a client may ask for. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(60);

  private static final Pattern WAIT = Pattern.compile("(?:^|&)wait=(\\d{1,4})s?(?:&|$)");
  private static final int REQUEST_THREADS = 4;
  private static final int RETRY_AFTER_SECONDS = 5;
  private static final int ANSWER_THREADS = 4;

  /** The longest one long-poll answer may take to write before its connection is cut. */
  public static final Duration ANSWER_WRITE_DEADLINE = Duration.ofSeconds(10);

  private HttpService server;
  private final ThreadPoolExecutor completions;
  private final ScheduledThreadPoolExecutor deadlines;
  private final PublishedFiles files;
  private final String cacheControl;
  private final int maxWaiters;
  private final AtomicInteger waiting = new AtomicInteger();
  private final LongAdder notModified = new LongAdder();
  private final LongAdder refusedLongPolls = new LongAdder();
  private final ConcurrentHashMap<String, Set<Waiter>> waitersByPath = new ConcurrentHashMap<>();

  private StatusListProvider(PublishedFiles files, Duration ttl, int maxWaiters) {
    this.files = files;
    this.cacheControl = "max-age=" + ttl.toSeconds();
    this.maxWaiters = maxWaiters;
    this.completions =
        new ThreadPoolExecutor(
            ANSWER_THREADS,
            ANSWER_THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            DaemonThreads.named("status-long-poll"));
    completions.allowCoreThreadTimeOut(true);
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
    return start(port, files, ttl, maxWaiters, ANSWER_WRITE_DEADLINE);
  }

  /** As {@link #start(int, PublishedFiles, Duration, int)}, with another write deadline. */
  static StatusListProvider start(
      int port, PublishedFiles files, Duration ttl, int maxWaiters, Duration writeDeadline) {
    StatusListProvider provider = new StatusListProvider(files, ttl, maxWaiters);
    files.onChange(provider::changed);
    try {
      provider.server =
          HttpService.on(
                  new InetSocketAddress(port),
                  "status-http",
                  HttpService.Limits.defaults(REQUEST_THREADS).withIdleTimeout(writeDeadline))
              .handle(
                  "/",
                  exchange -> {
                    try {
                      provider.handle(exchange);
                    } catch (IOException clientGone) {
                      exchange.close();
                    }
                  })
              .start();
    } catch (UncheckedIOException e) {
      provider.deadlines.shutdownNow();
      provider.completions.shutdownNow();
      throw new UncheckedIOException("cannot listen on the status port " + port, e.getCause());
    }
    LOG.info(
        "{} {} {} {} {}",
        kv("event", "status_provider_started"),
        kv("port", provider.port()),
        kv("path", files.shardPath(0)),
        kv("jwks", PublishedFiles.JWKS_PATH),
        kv("max_waiters", maxWaiters));
    return provider;
  }

  public int port() {
    return server.port();
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
      waiter.deadline = deadlines.schedule(() -> answer(waiter), waitSeconds, TimeUnit.SECONDS);
    } catch (RejectedExecutionException stopping) {
      complete(waiter);
      return true;
    }
    // The document may have changed between the check and the parking.
    ServedFile now = files.get(path);
    if (now == null || !now.matches(ifNoneMatch)) {
      answer(waiter);
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
        answer(waiter);
      }
    }
  }

  /**
   * Answers {@code waiter} on the answer pool: a client that stops reading loses its connection at
   * the write deadline instead of holding a thread (see the class comment).
   */
  private void answer(Waiter waiter) {
    if (waiter.done.get()) {
      return;
    }
    try {
      completions.execute(() -> complete(waiter));
    } catch (RejectedExecutionException stopping) {
      // Stopping: the server closes every connection.
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
      LOG.debug(
          "{} {}",
          kv("event", "status_long_poll_write_failed"),
          kv("error", Failures.brief(clientGone)));
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
    server.close();
    deadlines.shutdownNow();
    completions.shutdownNow();
    LOG.info("{}", kv("event", "status_provider_stopped"));
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
