package dev.apitoken.verifier;

import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.format.status.StatusListTokenException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * Follows a Status List provider over HTTP: its JWKS and the Status List Tokens of the URIs it is
 * told to follow (configured, or learned from verified tokens whose URI is on the provider's
 * origin). Every resource is fetched with a conditional GET ({@code If-None-Match}); a status list
 * is then long-polled ({@code ?wait=30s}), so a change arrives within a round trip. Errors back off
 * exponentially with jitter. Nothing here ever blocks a verification: it only swaps in the latest
 * valid documents.
 *
 * <p>Cheap enough for a thousand verifiers in one JVM: all share one {@link HttpClient} and a small
 * daemon pool, a resource waiting for its next request is only a scheduled task, and a long-poll in
 * flight is a pending {@link CompletableFuture}, not a thread.
 */
final class HttpTrustSource implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TokenVerifier.class.getName());

  static final String JWKS_PATH = "/.well-known/jwks.json";
  static final String JWKS_MEDIA_TYPE = "application/jwk-set+json";

  /** At most this many status list URIs are followed, configured and learned together. */
  static final int MAX_FOLLOWED = 64;

  /** A body larger than this is refused: far beyond a ConfigMap's 1 MiB. */
  static final int MAX_BODY_BYTES = StatusListToken.MAX_LENGTH;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  private static final long MAX_RETRY_AFTER_MILLIS = 60_000;
  private static final long MIN_QUIET_POLL_MILLIS = 1_000;

  /** Settings, fixed at build time. */
  record Settings(
      URI base,
      HttpClient client,
      Duration longPoll,
      Duration minBackoff,
      Duration maxBackoff,
      Duration refresh,
      List<URI> statusListUris) {}

  /** What arrived, for the verifier to rebuild its trust. */
  interface Listener {
    /** A new JWKS. */
    void changed();

    /**
     * A verified Status List Token whose {@code sub} is the URI it was fetched from.
     *
     * @throws IllegalArgumentException when the verifier refuses it (the message says why); it
     *     counts as a failed fetch
     */
    void statusList(HeldStatusList list);
  }

  private final Settings settings;
  private final HttpClient client;
  private final Executor executor;
  private final Listener listener;
  private final Resource jwks;
  private final Map<String, Resource> lists = new ConcurrentHashMap<>();
  private volatile TrustedKeys keys;
  private volatile boolean closed;

  HttpTrustSource(Settings settings, Listener listener) {
    this.settings = settings;
    this.client = settings.client() != null ? settings.client() : Shared.CLIENT;
    this.executor =
        settings.client() != null ? settings.client().executor().orElse(Shared.POOL) : Shared.POOL;
    this.listener = listener;
    this.jwks = new Resource(settings.base().resolve(JWKS_PATH), -1, true);
    for (URI uri : settings.statusListUris()) {
      lists.putIfAbsent(uri.toString(), new Resource(uri, -1, false));
    }
  }

  void start() {
    jwks.poll();
    lists.values().forEach(Resource::poll);
  }

  URI base() {
    return settings.base();
  }

  /** The JWKS fetched last, or null before the first success. */
  TrustedKeys keys() {
    return keys;
  }

  /** The status list URIs followed, configured and learned. */
  List<String> followedUris() {
    return List.copyOf(lists.keySet());
  }

  /** The last problem of the JWKS or a list, or null when every resource's last attempt worked. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (jwks.problem != null) {
      problems.add(jwks.problem);
    }
    for (Resource resource : lists.values()) {
      if (resource.problem != null) {
        problems.add(resource.problem);
      }
    }
    return problems;
  }

  /**
   * Starts following {@code uri} (named by a verified token whose index is in shard {@code shard})
   * when it is on the provider's origin and the bound is not reached. Never blocks.
   *
   * @return whether {@code uri} is followed now
   */
  boolean follow(String uri, int shard) {
    if (closed) {
      return false;
    }
    if (lists.containsKey(uri)) {
      return true;
    }
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (java.net.URISyntaxException e) {
      return false;
    }
    if (!sameOrigin(parsed, settings.base())
        || parsed.getRawUserInfo() != null
        || parsed.getRawFragment() != null
        || lists.size() >= MAX_FOLLOWED) {
      return false;
    }
    Resource resource = new Resource(parsed, shard, false);
    if (lists.putIfAbsent(uri, resource) == null) {
      LOG.log(Level.INFO, "following status list {0}", UntrustedText.escape(uri));
      resource.poll();
    }
    return true;
  }

  /** Completes once the JWKS and every followed list have had one answer or failure. */
  CompletableFuture<Void> firstAttempts() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    all.add(jwks.firstAttempt);
    lists.values().forEach(resource -> all.add(resource.firstAttempt));
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /**
   * How many requests were answered 200 with a document that was parsed (for tests and metrics).
   */
  int documentsParsed() {
    int total = jwks.parsed.get();
    for (Resource resource : lists.values()) {
      total += resource.parsed.get();
    }
    return total;
  }

  @Override
  public void close() {
    closed = true;
    jwks.cancel();
    lists.values().forEach(Resource::cancel);
  }

  static boolean sameOrigin(URI a, URI b) {
    return a.getScheme() != null
        && a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** One followed document: the JWKS or one status list URI. */
  private final class Resource {
    final URI uri;
    final int shard;
    final boolean isJwks;
    final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
    final AtomicInteger parsed = new AtomicInteger();
    volatile String problem;
    private String etag; // only touched by the one poll chain of this resource
    private int failures;
    private volatile CompletableFuture<?> inFlight;

    Resource(URI uri, int shard, boolean isJwks) {
      this.uri = uri;
      this.shard = shard;
      this.isJwks = isJwks;
    }

    void poll() {
      if (closed) {
        return;
      }
      if (!isJwks && keys == null && !jwks.firstAttempt.isDone()) {
        // A list cannot be checked without keys: ask once the first JWKS answer is in.
        jwks.firstAttempt.thenRunAsync(this::poll, executor);
        return;
      }
      boolean longPolling = !isJwks && etag != null && !settings.longPoll().isZero();
      URI target = longPolling ? withWait(uri, settings.longPoll()) : uri;
      HttpRequest.Builder request =
          HttpRequest.newBuilder(target)
              .timeout(longPolling ? settings.longPoll().plus(REQUEST_TIMEOUT) : REQUEST_TIMEOUT)
              .header("Accept", isJwks ? JWKS_MEDIA_TYPE : StatusListToken.MEDIA_TYPE)
              .header("Accept-Encoding", "gzip");
      if (etag != null) {
        request.header("If-None-Match", etag);
      }
      long started = System.nanoTime();
      try {
        CompletableFuture<HttpResponse<byte[]>> sent =
            client.sendAsync(request.build(), BoundedBody.HANDLER);
        inFlight = sent;
        sent.whenCompleteAsync(
            (response, error) -> handle(response, error, longPolling, started), executor);
      } catch (RuntimeException e) {
        failed(
            NetworkFailure.explain("cannot send GET " + UntrustedText.escape(uri.toString()), e),
            -1);
      }
    }

    void cancel() {
      CompletableFuture<?> request = inFlight;
      if (request != null) {
        request.cancel(true);
      }
    }

    private void handle(
        HttpResponse<byte[]> response, Throwable error, boolean longPolling, long started) {
      if (closed) {
        close(response);
        return;
      }
      try {
        if (error != null) {
          failed(NetworkFailure.explain("GET " + UntrustedText.escape(uri.toString()), error), -1);
          return;
        }
        int status = response.statusCode();
        if (status == 304) {
          close(response);
          succeeded();
          long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
          // A 304 well before the deadline means the server does not hold long-polls (or this is
          // the JWKS): ask again after its max-age instead of in a tight loop.
          boolean held = longPolling && elapsedMillis >= settings.longPoll().toMillis() / 2;
          schedule(held ? 0 : quietDelay(response));
          return;
        }
        if (status == 200) {
          byte[] body = readBody(response);
          String previousEtag = etag;
          String newEtag = response.headers().firstValue("ETag").orElse(null);
          accept(new String(body, StandardCharsets.UTF_8).strip(), newEtag);
          succeeded();
          boolean changed = newEtag == null || !newEtag.equals(previousEtag);
          schedule(!isJwks && changed && !settings.longPoll().isZero() ? 0 : quietDelay(response));
          return;
        }
        close(response);
        long retryAfter = status == 503 || status == 429 ? retryAfterMillis(response) : -1;
        failed("HTTP " + status + " from " + uri, retryAfter);
      } catch (StatusListTokenException e) {
        if (e.problem() == StatusListTokenException.Problem.UNKNOWN_KEY) {
          // Signed by a key published after our last JWKS fetch: fetch it now.
          jwks.refreshSoon();
        }
        failed(uri + ": " + e.getMessage(), -1);
      } catch (IllegalArgumentException e) {
        // Refused by our own checks (sub, iat ahead of the clock): the message names the reason.
        failed(
            uri + ": " + UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH),
            -1);
      } catch (IOException | RuntimeException e) {
        failed(uri + ": " + UntrustedText.describe(e), -1);
      }
    }

    /** Validates and installs a document; throws when it is refused (the previous one stays). */
    private void accept(String body, String newEtag) {
      parsed.incrementAndGet();
      if (isJwks) {
        TrustedKeys fetched;
        try {
          fetched = TrustedKeys.parse(body);
        } catch (TrustLoadException e) {
          throw new IllegalArgumentException("the JWKS is malformed: " + e.getMessage(), e);
        }
        keys = fetched;
        etag = newEtag;
        listener.changed();
        return;
      }
      TrustedKeys trusted = keys;
      if (trusted == null) {
        throw new StatusListTokenException(
            StatusListTokenException.Problem.UNKNOWN_KEY, "no JWKS fetched yet");
      }
      Verified verified = Verified.CACHE.get(body, shard, trusted);
      StatusListToken token = verified.token();
      if (!token.subject().equals(uri.toString())) {
        throw new IllegalArgumentException(
            "sub is "
                + UntrustedText.escape(token.subject())
                + ", not the URI the list was fetched from");
      }
      // An older version (a lagging replica behind the load balancer) is offered too: the
      // verifier keeps the highest version, and remembers the older one's revocations.
      listener.statusList(
          new HeldStatusList(
              token.subject(),
              verified.list(),
              token.version(),
              token.issuedAt(),
              token.expiresAt(),
              token.kid(),
              uri.toString()));
      etag = newEtag;
    }

    private void succeeded() {
      failures = 0;
      problem = null;
      firstAttempt.complete(null);
    }

    private void failed(String why, long retryAfterMillis) {
      failures++;
      problem = why;
      firstAttempt.complete(null);
      LOG.log(Level.WARNING, "trust over HTTP: {0} (attempt {1})", why, failures);
      schedule(retryAfterMillis >= 0 ? retryAfterMillis + jitter(250) : backoffMillis());
    }

    private long backoffMillis() {
      long min = settings.minBackoff().toMillis();
      long max = settings.maxBackoff().toMillis();
      long ceiling = min << Math.min(failures - 1, 20);
      ceiling = Math.min(max, Math.max(min, ceiling));
      // Equal jitter: never less than half the step, so a failing provider is not hammered, and
      // never in lockstep with the other verifiers that saw the same failure.
      return ceiling / 2 + jitter(ceiling / 2);
    }

    /**
     * Without long-polling: the max-age the server gave, 1 s at least, the JWKS refresh at most.
     */
    private long quietDelay(HttpResponse<?> response) {
      long refresh = settings.refresh().toMillis();
      long maxAge = maxAgeMillis(response);
      long delay = maxAge >= 0 ? Math.min(maxAge, refresh) : refresh;
      return Math.max(MIN_QUIET_POLL_MILLIS, delay) + jitter(100);
    }

    void refreshSoon() {
      // Only the JWKS is kicked this way; its own chain continues as scheduled.
      if (!closed) {
        CompletableFuture.delayedExecutor(jitter(50), TimeUnit.MILLISECONDS, executor)
            .execute(this::pollOnce);
      }
    }

    private void pollOnce() {
      // A one-off conditional GET besides the scheduled chain: both may update keys, which is
      // harmless (the newest answer wins and each answer is a complete JWKS).
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .timeout(REQUEST_TIMEOUT)
              .header("Accept", JWKS_MEDIA_TYPE)
              .header("Accept-Encoding", "gzip");
      client
          .sendAsync(request.build(), BoundedBody.HANDLER)
          .whenCompleteAsync(
              (response, error) -> {
                if (error != null || response.statusCode() != 200) {
                  close(response);
                  return;
                }
                try {
                  TrustedKeys fetched =
                      TrustedKeys.parse(
                          new String(readBody(response), StandardCharsets.UTF_8).strip());
                  keys = fetched;
                  listener.changed();
                } catch (IOException | RuntimeException e) {
                  LOG.log(Level.DEBUG, "JWKS refresh failed: {0}", UntrustedText.describe(e));
                }
              },
              executor);
    }

    private void schedule(long delayMillis) {
      if (closed) {
        return;
      }
      if (delayMillis <= 0) {
        executor.execute(this::poll);
      } else {
        CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS, executor)
            .execute(this::poll);
      }
    }
  }

  /**
   * A Status List Token checked and decoded once for all verifiers of the JVM: a thousand verifiers
   * that receive the same bytes on a change do one signature check and one inflate, and share one
   * read-only list. A hit still requires the verifier's own JWKS to hold the signing kid (a kid is
   * the key's thumbprint, so the same kid is the same key).
   */
  record Verified(StatusListToken token, StatusList list) {
    static final Cache CACHE = new Cache(32);

    /** The last few verified documents, by their exact text and the shard decoded. */
    static final class Cache {
      private final java.util.LinkedHashMap<String, Verified> entries;

      Cache(int capacity) {
        this.entries =
            new java.util.LinkedHashMap<>(capacity * 2, 0.75f, true) {
              private static final long serialVersionUID = 1L;

              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
                return size() > capacity;
              }
            };
      }

      Verified get(String compact, int shard, TrustedKeys keys) {
        String key = shard + ":" + compact;
        Verified hit;
        synchronized (this) {
          hit = entries.get(key);
        }
        if (hit != null && keys.contains(hit.token().kid())) {
          return hit;
        }
        // Outside the lock: verifying and inflating are the expensive part.
        StatusListToken token = StatusListToken.parse(compact, keys);
        StatusList list = shard > 0 ? token.statusList(shard) : token.statusList();
        Verified verified = new Verified(token, list);
        synchronized (this) {
          entries.put(key, verified);
        }
        return verified;
      }
    }
  }

  private static long jitter(long boundMillis) {
    return boundMillis <= 0 ? 0 : ThreadLocalRandom.current().nextLong(boundMillis + 1);
  }

  static URI withWait(URI uri, Duration wait) {
    String parameter = "wait=" + wait.toSeconds() + "s";
    String raw = uri.toString();
    return URI.create(raw + (uri.getRawQuery() == null ? "?" : "&") + parameter);
  }

  private static byte[] readBody(HttpResponse<byte[]> response) throws IOException {
    {
      byte[] bytes = response.body();
      Optional<String> encoding = response.headers().firstValue("Content-Encoding");
      if (encoding.isPresent() && encoding.get().trim().equalsIgnoreCase("gzip")) {
        try (InputStream gunzip = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
          bytes = gunzip.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
          throw new IOException("the body inflates to more than " + MAX_BODY_BYTES + " bytes");
        }
      } else if (encoding.isPresent() && !encoding.get().trim().equalsIgnoreCase("identity")) {
        throw new IOException(
            "unsupported Content-Encoding " + UntrustedText.escape(encoding.get()));
      }
      return bytes;
    }
  }

  private static void close(HttpResponse<byte[]> response) {
    // The body was read completely (and bounded) before the response was handed over.
  }

  /**
   * Collects a body of at most {@link #MAX_BODY_BYTES}, without blocking a thread: a larger one
   * cancels the exchange. (An InputStream body would block a pool thread until the bytes arrive,
   * and the client needs those same threads to deliver them.)
   */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    static final HttpResponse.BodyHandler<byte[]> HANDLER = info -> new BoundedBody();

    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    private java.util.concurrent.Flow.Subscription subscription;

    @Override
    public CompletableFuture<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<java.nio.ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (java.nio.ByteBuffer item : items) {
        if (bytes.size() + item.remaining() > MAX_BODY_BYTES) {
          subscription.cancel();
          result.completeExceptionally(
              new IOException("the body is larger than " + MAX_BODY_BYTES + " bytes"));
          return;
        }
        byte[] chunk = new byte[item.remaining()];
        item.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toByteArray());
    }
  }

  private static long maxAgeMillis(HttpResponse<?> response) {
    for (String value : response.headers().allValues("Cache-Control")) {
      for (String directive : value.split(",")) {
        String d = directive.trim().toLowerCase(Locale.ROOT);
        if (d.startsWith("max-age=")) {
          try {
            return Math.max(0, Long.parseLong(d.substring("max-age=".length()))) * 1000;
          } catch (NumberFormatException e) {
            return -1;
          }
        }
      }
    }
    return -1;
  }

  private static long retryAfterMillis(HttpResponse<?> response) {
    Optional<String> value = response.headers().firstValue("Retry-After");
    if (value.isEmpty()) {
      return -1;
    }
    try {
      return Math.min(
          MAX_RETRY_AFTER_MILLIS, Math.max(0, Long.parseLong(value.get().trim()) * 1000));
    } catch (NumberFormatException e) {
      // An HTTP date: rare from a provider; the ordinary backoff applies.
      return -1;
    }
  }

  /** One client and one small pool for every verifier of the JVM that brings none of its own. */
  static final class Shared {
    static final ExecutorService POOL =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            task -> {
              Thread thread = new Thread(task, "apitoken-trust-http");
              thread.setDaemon(true);
              return thread;
            });

    static final HttpClient CLIENT =
        HttpClient.newBuilder()
            .executor(POOL)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private Shared() {}
  }
}
