package dev.apitoken.verifier.sample;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.http.HttpService;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.ReloadStatus;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.TrustHealth;
import dev.apitoken.verifier.Verdict;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A small workload that trusts ApiTokens: every path answers 200 with the caller's subject, scopes
 * and jti when the request carries {@code Authorization: Bearer <token>} with a valid token, and
 * 401 otherwise (RFC 6750 challenge, reason in the body, the token never echoed). {@code /healthz}
 * is liveness; {@code /readyz} answers 503 until the trust has been loaded, and again whenever a
 * followed status list is stale or missing ({@link TokenVerifier#trustHealth()}).
 *
 * <p>Run it from the verifier-tools image ({@code examples/sample-workload.yaml}), or in-process
 * with {@link #start(TokenVerifier, int)}. Verification is entirely offline: the verifier reads the
 * mounted {@code apitoken-trust} ConfigMap and follows its updates, so a revocation reaches this
 * service when the kubelet refreshes the volume, without any call to the API server.
 */
public final class SampleService implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";
  private static final String TEXT_TYPE = "text/plain; charset=utf-8";
  private static final String REALM = "apitoken-sample";
  private static final String BEARER = "bearer";
  private static final Duration TRUST_RETRY = Duration.ofSeconds(2);

  private static final int REQUEST_THREADS = 4;

  private HttpService server;
  private volatile TokenVerifier verifier;

  private SampleService() {}

  /**
   * Serves requests with {@code verifier} on {@code port} (0 picks a free port, see {@link
   * #port()}). The caller keeps owning the verifier and closes it after this service. Build the
   * verifier with {@code .listener(new UsageLog(...))} to get one usage line per request.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static SampleService start(TokenVerifier verifier, int port) {
    return listen(port).serve(verifier);
  }

  /**
   * Starts listening on {@code port} before any trust is available: {@code /healthz} answers 200,
   * {@code /readyz} and every other path 503, until {@link #serve(TokenVerifier)}.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static SampleService listen(int port) {
    SampleService service = new SampleService();
    // Jetty (HttpService): header-read deadline, idle timeout, connection cap, head size limit;
    // slow clients hold no request thread.
    service.server =
        HttpService.on(
                new InetSocketAddress(port),
                "sample-http",
                HttpService.Limits.defaults(REQUEST_THREADS))
            .handle("/healthz", service::healthz)
            .handle("/readyz", service::readyz)
            .handle("/", service::protectedResource)
            .start();
    return service;
  }

  /** Starts verifying requests with {@code verifier}, which the caller keeps owning. */
  public SampleService serve(TokenVerifier verifier) {
    if (verifier == null) {
      throw new NullPointerException("verifier");
    }
    this.verifier = verifier;
    return this;
  }

  /** Whether a verifier is in place, i.e. {@code /readyz} answers 200. */
  public boolean isReady() {
    return verifier != null;
  }

  /** The bound port; the real one when started with port 0. */
  public int port() {
    return server.port();
  }

  /** Stops listening at once. The verifier is the caller's to close. */
  @Override
  public void close() {
    server.close();
  }

  /**
   * {@code --trust-dir DIR --issuer ISS [--audience AUD] [--port N]}; see {@link SampleOptions}.
   */
  public static void main(String[] args) throws InterruptedException {
    SampleOptions options;
    try {
      options = SampleOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(
          "error: " + UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH));
      System.err.print(SampleOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(SampleOptions.USAGE);
      return;
    }
    // The verifier logs trust reloads through System.Logger, which goes to java.util.logging
    // here: one line per record reads better in container logs than the two-line default.
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty(
          "java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %5$s%6$s%n");
    }
    PrintStream out = System.out;
    SampleService service = listen(options.port());
    AtomicReference<TokenVerifier> verifier = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.close();
                  TokenVerifier current = verifier.get();
                  if (current != null) {
                    current.close();
                  }
                  stopped.countDown();
                },
                "sample-shutdown"));
    out.printf(
        "sample service listening on port %d; loading trust from %s%n",
        service.port(),
        options.trustDirectory() == null
            ? options.trustUrl()
            : options.trustUrl() == null
                ? options.trustDirectory()
                : options.trustDirectory() + " and " + options.trustUrl());

    String lastProblem = null;
    while (verifier.get() == null) {
      try {
        TokenVerifier.Builder builder =
            TokenVerifier.builder()
                .expectedIssuer(options.issuer())
                .expectedAudience(options.audience())
                .listener(new UsageLog(out::println));
        if (options.trustDirectory() != null) {
          builder.trustDirectory(options.trustDirectory());
        }
        if (options.trustUrl() != null) {
          builder.trustUrl(options.trustUrl());
        }
        if (options.maxStatusListAge() != null) {
          builder.maxStatusListAge(options.maxStatusListAge());
        }
        if (options.allowUnsignedStatusList()) {
          builder.allowUnsignedStatusList();
        }
        verifier.set(builder.build());
      } catch (TrustLoadException e) {
        // Until the ConfigMap is mounted with a jwks.json: not ready, try again shortly.
        String problem = UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH);
        if (!problem.equals(lastProblem)) {
          out.println(
              "not ready: " + problem + "; retrying every " + TRUST_RETRY.toSeconds() + "s");
          lastProblem = problem;
        }
        if (stopped.await(TRUST_RETRY.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    }
    service.serve(verifier.get());
    out.printf(
        "ready: issuer %s, audience %s, %s%n",
        options.issuer(),
        options.audience() == null ? "not checked" : options.audience(),
        verifier.get().lastReloadStatus().message());
    stopped.await();
  }

  private void healthz(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (allowedMethod(exchange)) {
        respond(exchange, 200, TEXT_TYPE, "ok\n");
      }
    }
  }

  private void readyz(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!allowedMethod(exchange)) {
        return;
      }
      TokenVerifier current = verifier;
      if (current == null) {
        respond(exchange, 503, TEXT_TYPE, "not ready: the trust directory is not loaded yet\n");
        return;
      }
      // Tokens of a stale or missing status list fail closed: take this replica out of the
      // Service until a fresh signed list arrives (a frozen copy must stop being trusted).
      TrustHealth health = current.trustHealth();
      if (!health.ready()) {
        respond(exchange, 503, TEXT_TYPE, health.message() + "\n");
        return;
      }
      // A failed reload keeps the previous trust in use, so the service stays ready; the message
      // tells an operator looking at the probe what happened.
      ReloadStatus status = current.lastReloadStatus();
      respond(
          exchange,
          200,
          TEXT_TYPE,
          (status.ok() ? "ready: " : "ready with the previous trust; the last reload failed: ")
              + status.message()
              + "\n");
    }
  }

  private void protectedResource(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!allowedMethod(exchange)) {
        return;
      }
      TokenVerifier current = verifier;
      if (current == null) {
        exchange.getResponseHeaders().set("Retry-After", "5");
        respondJson(
            exchange,
            503,
            body("error", "temporarily_unavailable", "reason", "TRUST_NOT_LOADED", null, null));
        return;
      }
      List<String> authorization = exchange.getRequestHeaders().get("Authorization");
      if (authorization == null || authorization.isEmpty()) {
        noToken(exchange);
        return;
      }
      if (authorization.size() > 1) {
        // Two credentials: picking one could let a proxy and this service disagree on the caller.
        invalidToken(exchange, new Verdict.Rejected(Rejection.MALFORMED, null, null, null));
        return;
      }
      String token = bearerToken(authorization.get(0));
      if (token == null) {
        noToken(exchange);
        return;
      }
      Verdict verdict = current.verify(token);
      if (verdict instanceof Verdict.Accepted accepted) {
        TokenClaims claims = accepted.claims();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subject", claims.subject());
        body.put("scopes", claims.scopes());
        body.put("jti", claims.jti());
        body.put("expiresAt", claims.expiresAt().toString());
        respondJson(exchange, 200, body);
      } else {
        invalidToken(exchange, verdict);
      }
    }
  }

  /** The token of an {@code Authorization: Bearer <token>} header, or null for another scheme. */
  static String bearerToken(String header) {
    int space = header.indexOf(' ');
    // The scheme is case-insensitive (RFC 9110 section 11.1).
    if (space != BEARER.length()
        || !header.substring(0, space).toLowerCase(Locale.ROOT).equals(BEARER)) {
      return null;
    }
    return header.substring(space + 1).strip();
  }

  /** No credentials at all: a bare challenge, without an error code (RFC 6750 section 3.1). */
  private static void noToken(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"" + REALM + "\"");
    respondJson(
        exchange,
        401,
        body(
            "error",
            "unauthorized",
            "reason",
            UsageLog.NO_TOKEN,
            "description",
            "send the token as Authorization: Bearer <token>"));
  }

  private static void invalidToken(HttpExchange exchange, Verdict verdict) throws IOException {
    Rejection reason = verdict.rejection().orElseThrow();
    exchange
        .getResponseHeaders()
        .set(
            "WWW-Authenticate",
            "Bearer error=\"invalid_token\", error_description=\"" + reason.name() + "\"");
    Map<String, Object> body =
        body("error", "invalid_token", "reason", reason.name(), "description", describe(reason));
    // Present only when the signature verified, so it is the caller's own token id.
    if (verdict.jti() != null) {
      body.put("jti", verdict.jti());
    }
    respondJson(exchange, 401, body);
  }

  /** A sentence for the caller; no quotes or backslashes, so it is also a valid quoted-string. */
  static String describe(Rejection reason) {
    return switch (reason) {
      case TOO_LARGE -> "the token is longer than this service accepts";
      case MALFORMED -> "not a well-formed ApiToken";
      case UNKNOWN_KEY -> "signed with a key this service does not trust";
      case BAD_SIGNATURE -> "the signature does not verify";
      case WRONG_ISSUER -> "issued by an issuer this service does not trust";
      case WRONG_AUDIENCE -> "not issued for this service's audience";
      case EXPIRED -> "the token has expired";
      case NOT_YET_VALID -> "the token is not valid yet";
      case STATUS_LIST_MISSING -> "this service holds no status list for the token yet";
      case STATUS_UNKNOWN -> "the token's revocation status cannot be looked up";
      case REVOKED -> "the token has been revoked";
      case STATUS_STALE -> "this service's copy of the status list is too old to trust";
    };
  }

  private static Map<String, Object> body(
      String k1, Object v1, String k2, Object v2, String k3, Object v3) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(k1, v1);
    body.put(k2, v2);
    if (k3 != null) {
      body.put(k3, v3);
    }
    return body;
  }

  private static boolean allowedMethod(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
    respond(exchange, 405, TEXT_TYPE, "");
    return false;
  }

  private static void respondJson(HttpExchange exchange, int status, Map<String, Object> body)
      throws IOException {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IOException("cannot write the response body", e);
    }
    respond(exchange, status, JSON_TYPE, json + "\n");
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head || bytes.length == 0 ? -1 : bytes.length);
    if (!head && bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }
}
