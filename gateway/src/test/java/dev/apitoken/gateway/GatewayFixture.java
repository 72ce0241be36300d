package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.verifier.KubeletVolume;
import dev.apitoken.verifier.MutableClock;
import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A gateway on free ports with a kubelet-style trust directory and policy file, the clock at {@link
 * TokenFactory#NOW}, and a client that sends auth sub-requests as the proxies do.
 */
final class GatewayFixture implements AutoCloseable {
  static final TestKey KEY = TestKey.fromSeed(41);
  static final TestKey OTHER_KEY = TestKey.fromSeed(42);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final Duration FAST = Duration.ofMillis(50);
  // A bound, not a wait: awaits return as soon as the condition holds. Generous because the first
  // test of a JVM on a loaded 2-core CI machine spends seconds loading classes.
  static final Duration WITHIN_SECONDS = Duration.ofSeconds(30);

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  final MutableClock clock = new MutableClock(TokenFactory.NOW);
  final KubeletVolume trust;
  final KubeletVolume policyVolume;
  private long listIssuedAt = TokenFactory.NOW.getEpochSecond() - 60;
  private Gateway gateway;

  GatewayFixture(Path dir) throws IOException {
    this.trust = new KubeletVolume(Files.createDirectories(dir.resolve("trust")));
    this.policyVolume = new KubeletVolume(Files.createDirectories(dir.resolve("policy")));
  }

  /** Publishes the trusted key and a signed list revoking {@code revoked}, newer than the last. */
  GatewayFixture publishTrust(long... revoked) throws IOException {
    listIssuedAt++;
    trust.publish(
        Map.of(
            "jwks.json",
            TestKey.jwks(KEY),
            "status-list.jwt",
            StatusListTokenWriter.sign(
                KEY, TokenFactory.STATUS_URI, listIssuedAt, StatusListTokenWriter.list(revoked))));
    return this;
  }

  /** The {@code iat} of the latest published list, as /readyz shows it. */
  String listIssuedAtText() {
    return java.time.Instant.ofEpochSecond(listIssuedAt).toString();
  }

  GatewayFixture publishPolicy(String yaml) throws IOException {
    policyVolume.publish(Map.of("policy.yaml", yaml));
    return this;
  }

  Path policyFile() {
    return policyVolume.dir().resolve("policy.yaml");
  }

  GatewayConfig.Builder config() {
    return GatewayConfig.builder(TokenFactory.ISSUER)
        .port(0)
        .managementPort(0)
        .threads(4)
        .trustDirectory(trust.dir())
        .clock(clock)
        .policyPollInterval(FAST)
        .trustRetryInterval(FAST);
  }

  Gateway start(GatewayConfig config) throws Exception {
    gateway = Gateway.start(config);
    return gateway;
  }

  Gateway start() throws Exception {
    return start(config().build());
  }

  Gateway startWithPolicy(String yaml) throws Exception {
    publishPolicy(yaml);
    return start(config().policyFile(policyFile()).build());
  }

  Gateway gateway() {
    return gateway;
  }

  /** A token valid at NOW with the factory's defaults (aud orders billing, two scopes). */
  static String token(long idx) {
    return TOKENS.token(TokenFactory.claims(idx));
  }

  static String token(TokenFactory.Claims claims) {
    return TOKENS.token(claims);
  }

  /**
   * ingress-nginx: {@code X-Original-URL} and {@code X-Original-Method} on a GET to the auth-url of
   * the Ingress for the URL's host, {@code /auth/<host>} (as the examples write it).
   */
  HttpResponse<String> nginx(String originalUrl, String token) {
    String host = URI.create(originalUrl).getHost();
    return nginx(host == null ? "/auth" : "/auth/" + host, originalUrl, token);
  }

  /** ingress-nginx asking {@code authPath} ({@code /auth} or {@code /auth/<host>}). */
  HttpResponse<String> nginx(String authPath, String originalUrl, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(authUri(authPath))
            .header("X-Original-URL", originalUrl)
            .header("X-Original-Method", "GET");
    return send(withToken(request, token));
  }

  /** Traefik forwardAuth: the {@code X-Forwarded-*} headers, on /traefik. */
  HttpResponse<String> traefik(String host, String uri, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(authUri("/traefik"))
            .header("X-Forwarded-Method", "POST")
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", host)
            .header("X-Forwarded-Uri", uri);
    return send(withToken(request, token));
  }

  /** Envoy ext_authz with {@code path_prefix: /envoy}: the original path and Host. */
  HttpResponse<String> envoy(String host, String path, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(authUri("/envoy" + path)).header("Host", host);
    return send(withToken(request, token));
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return CLIENT.send(
          request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> management(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.managementPort() + path)));
  }

  String metrics() {
    HttpResponse<String> response = management("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** Waits until /readyz shows the latest published list in use. */
  void awaitLatestTrust() {
    String iat = "iat " + listIssuedAtText();
    await()
        .atMost(WITHIN_SECONDS)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> management("/readyz").body().contains(iat));
  }

  URI authUri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  private static HttpRequest.Builder withToken(HttpRequest.Builder request, String token) {
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
  }
}
