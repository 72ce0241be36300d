package dev.apitoken.gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Answers {@code /auth} and {@code /envoy/...}: rebuilds the original request, finds its rule,
 * verifies the bearer token and checks the rule's audience and scopes on the accepted claims.
 *
 * <p>Never answers 200 on an error: an unexpected failure is a 503.
 */
final class AuthHandler implements HttpHandler {
  private static final System.Logger LOG = System.getLogger(AuthHandler.class.getName());
  static final String ENVOY_PREFIX = "/envoy";

  private final Endpoint endpoint;
  private final Supplier<Policy> policy;
  private final VerifierStarter verifiers;
  private final GatewayMetrics metrics;

  AuthHandler(
      Endpoint endpoint,
      Supplier<Policy> policy,
      VerifierStarter verifiers,
      GatewayMetrics metrics) {
    this.endpoint = endpoint;
    this.policy = policy;
    this.verifiers = verifiers;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    long start = System.nanoTime();
    try (exchange) {
      OriginalRequest original = null;
      Answer answer;
      try {
        original = originalRequest(exchange);
        answer = decide(original, exchange.getRequestHeaders());
      } catch (RequestRefused refused) {
        answer = Answer.refused(refused.getMessage());
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "auth request failed: {0}", UntrustedText.describe(e));
        answer = Answer.unavailable("internal error");
      }
      send(exchange, answer);
      metrics.recordRequest(endpoint, answer.outcome(), System.nanoTime() - start);
      if (LOG.isLoggable(Level.DEBUG) && original != null) {
        LOG.log(
            Level.DEBUG,
            "{0} {1} {2}{3}: {4}",
            answer.status(),
            UntrustedText.escape(original.method()),
            UntrustedText.escape(original.host()),
            UntrustedText.escape(original.path(), 256),
            answer.body().isEmpty() ? "allowed" : answer.body());
      }
    }
  }

  private OriginalRequest originalRequest(HttpExchange exchange) {
    return switch (endpoint) {
      case AUTH ->
          OriginalRequest.nginx(
              exchange.getRequestMethod(), exchange.getRequestHeaders(), exchange.getRequestURI());
      case TRAEFIK ->
          OriginalRequest.traefik(
              exchange.getRequestMethod(), exchange.getRequestHeaders(), exchange.getRequestURI());
      case ENVOY ->
          OriginalRequest.envoy(
              exchange.getRequestMethod(),
              exchange.getRequestHeaders(),
              exchange.getRequestURI(),
              ENVOY_PREFIX);
    };
  }

  private Answer decide(OriginalRequest original, Headers headers) {
    Policy current = policy.get();
    if (!original.hostAsRouted() && current.hasHostRoutes()) {
      throw new RequestRefused(
          "the policy has host routes: name the Ingress's host in its auth-url, /auth/<host>");
    }
    Rule rule = current.ruleFor(original.host(), original.path());
    if (rule.deny()) {
      return Answer.denied();
    }
    if (rule.anonymous()) {
      return Answer.anonymous(current.headers());
    }
    BearerToken bearer = BearerToken.from(headers.getFirst("Authorization"));
    if (bearer.absent()) {
      return Answer.noToken();
    }
    if (bearer.token().isEmpty()) {
      return Answer.invalidToken(Answer.describe(Rejection.MALFORMED));
    }
    TokenVerifier verifier = verifiers.verifier();
    if (verifier == null) {
      // The problem (paths, URLs, an exception) goes to /readyz and the log, not to clients: Envoy
      // passes an ext_authz denial body on.
      return Answer.unavailable("trust not loaded");
    }
    // Asked before verifying: keys that arrive (the first JWKS fetch) between the verdict and a
    // later question would turn "no keys yet, retry" into a final 401 for a good token.
    boolean keysHeld = verifier.holdsKeys();
    Verdict verdict = verifier.verify(bearer.token());
    if (verdict instanceof Verdict.Accepted accepted) {
      return authorize(accepted.claims(), rule, current.headers());
    }
    Rejection rejection = verdict.rejection().orElseThrow();
    if (cannotJudge(rejection, keysHeld)) {
      return Answer.unavailable("trust not ready: " + Answer.describe(rejection));
    }
    return Answer.invalidToken(Answer.describe(rejection));
  }

  /**
   * Whether a rejection says more about the gateway's trust than about the token: a list not held
   * (yet, or no longer fresh) or, with no keys at all, an unknown key. Such a token may be fine, so
   * it gets a 503 the proxy can retry, not a 401 the client would take as final.
   */
  private static boolean cannotJudge(Rejection rejection, boolean keysHeld) {
    return switch (rejection) {
      case STATUS_LIST_MISSING, STATUS_STALE -> true;
      // Asked for every unknown kid, which anyone can send: a field read, not a health report.
      case UNKNOWN_KEY -> !keysHeld;
      default -> false;
    };
  }

  private static Answer authorize(TokenClaims claims, Rule rule, IdentityHeaders names) {
    if (rule.audience() != null && !claims.audiences().contains(rule.audience())) {
      return Answer.insufficientScope(rule, "token not for audience " + rule.audience());
    }
    for (String scope : rule.scopes()) {
      if (!claims.hasScope(scope)) {
        return Answer.insufficientScope(rule, "token lacks scope " + scope);
      }
    }
    return Answer.allowed(claims, names);
  }

  private static void send(HttpExchange exchange, Answer answer) throws IOException {
    Headers response = exchange.getResponseHeaders();
    for (Map.Entry<String, String> header : answer.headers().entrySet()) {
      response.set(header.getKey(), header.getValue());
    }
    response.set("Cache-Control", "no-store");
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    // Envoy asks with the original method, so a HEAD request must get a HEAD answer: no body.
    if (body.length == 0 || exchange.getRequestMethod().equalsIgnoreCase("HEAD")) {
      exchange.sendResponseHeaders(answer.status(), -1);
      return;
    }
    response.set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(answer.status(), body.length);
    exchange.getResponseBody().write(body);
  }
}
