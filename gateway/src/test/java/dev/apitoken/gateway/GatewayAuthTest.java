package dev.apitoken.gateway;

import static dev.apitoken.gateway.GatewayFixture.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.verifier.TokenFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The auth answers a proxy sees, for each proxy's way of naming the original request. */
class GatewayAuthTest {
  static final long REVOKED = 7;
  static final String POLICY =
      """
      routes:
        - host: orders.example.com
          pathPrefix: /admin
          audience: orders
          scopes: [orders:admin]
        - pathPrefix: /healthz
          anonymous: true
        - pathPrefix: /inventory
          audience: inventory
      """;

  @TempDir Path dir;
  private GatewayFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = new GatewayFixture(dir).publishTrust(REVOKED);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void nginxAllowsAValidTokenAndPassesItsIdentity() throws Exception {
    fixture.start();

    HttpResponse<String> response =
        fixture.nginx("https://orders.example.com/orders/17?x=1", token(3));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEmpty();
    assertThat(response.headers().firstValue("X-Auth-Subject"))
        .contains("system:serviceaccount:shop:checkout");
    assertThat(response.headers().firstValue("X-Auth-Scopes")).contains("orders:read orders:write");
    assertThat(response.headers().firstValue("X-Auth-Token-Id")).contains("AAECAwQFBgcICQoLDA0ODw");
    assertThat(response.headers().firstValue("X-Auth-Audience")).contains("orders billing");
  }

  @Test
  void nginxRouteWithScopesRefusesATokenWithoutThemAndNamesThem() throws Exception {
    fixture.startWithPolicy(POLICY);

    HttpResponse<String> response =
        fixture.nginx("https://Orders.Example.com:443/admin/users", token(3));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .contains(
            "Bearer realm=\"apitoken\", error=\"insufficient_scope\", scope=\"orders:admin\","
                + " error_description=\"token lacks scope orders:admin\"");
    String admin = token(TokenFactory.claims(3).set("scope", "orders:read orders:admin"));
    assertThat(fixture.nginx("https://orders.example.com/admin/users", admin).statusCode())
        .isEqualTo(200);
  }

  @Test
  void traefikHeadersNameTheOriginalRequest() throws Exception {
    fixture.startWithPolicy(POLICY);

    assertThat(fixture.traefik("orders.example.com", "/admin/x?y=1", token(3)).statusCode())
        .isEqualTo(403);
    assertThat(fixture.traefik("orders.example.com", "/orders", token(3)).statusCode())
        .isEqualTo(200);
    HttpResponse<String> anonymous = fixture.traefik("orders.example.com", "/healthz", null);
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(anonymous.headers().firstValue("X-Auth-Subject")).isEmpty();
  }

  /** Envoy only adds an answer's headers: on an anonymous route it must remove forged ones. */
  @Test
  void anAnonymousAnswerTellsEnvoyToRemoveIdentityHeadersAClientSent() throws Exception {
    fixture.startWithPolicy(POLICY);

    HttpResponse<String> anonymous = fixture.envoy("orders.example.com", "/healthz", null);

    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(anonymous.headers().firstValue("x-envoy-auth-headers-to-remove"))
        .hasValue("x-auth-subject,x-auth-scopes,x-auth-token-id,x-auth-audience");
  }

  /**
   * Each proxy's endpoint reads only the headers that proxy sets itself: Traefik passes a client's
   * own X-Original-URL on, and ingress-nginx a client's own X-Forwarded-*, so naming an anonymous
   * path in them must open nothing.
   */
  @Test
  void headersAClientForgedDoNotOpenAnAnonymousPath() throws Exception {
    fixture.startWithPolicy(POLICY);

    HttpResponse<String> throughTraefik =
        fixture.send(
            HttpRequest.newBuilder(fixture.authUri("/traefik"))
                .header("X-Original-URL", "https://orders.example.com/healthz")
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Host", "orders.example.com")
                .header("X-Forwarded-Uri", "/admin/x"));
    assertThat(throughTraefik.statusCode()).isEqualTo(401);

    HttpResponse<String> throughNginx =
        fixture.send(
            HttpRequest.newBuilder(fixture.authUri("/auth/orders.example.com"))
                .header("X-Original-URL", "https://orders.example.com/admin/x")
                .header("X-Original-Method", "GET")
                .header("X-Forwarded-Host", "orders.example.com")
                .header("X-Forwarded-Uri", "/healthz"));
    assertThat(throughNginx.statusCode()).isEqualTo(401);
  }

  @Test
  void envoyPathIsTheRequestPathWithoutThePrefix() throws Exception {
    fixture.startWithPolicy(POLICY);

    assertThat(fixture.envoy("orders.example.com", "/admin/users", token(3)).statusCode())
        .isEqualTo(403);
    assertThat(fixture.envoy("orders.example.com", "/orders/1", token(3)).statusCode())
        .isEqualTo(200);
    assertThat(fixture.envoy("orders.example.com", "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(fixture.envoy("orders.example.com", "/orders/1", null).statusCode()).isEqualTo(401);
  }

  @Test
  void envoyAsksWithTheOriginalMethodAndAHeadRequestGetsItsChallengeWithoutBody() throws Exception {
    fixture.start();

    HttpResponse<String> head =
        fixture.send(
            HttpRequest.newBuilder(fixture.authUri("/envoy/orders"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Host", "orders.example.com"));
    HttpResponse<String> post =
        fixture.send(
            HttpRequest.newBuilder(fixture.authUri("/envoy/orders"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"order\":1}"))
                .header("Host", "orders.example.com")
                .header("Authorization", "Bearer " + token(3)));

    assertThat(head.statusCode()).isEqualTo(401);
    assertThat(head.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"apitoken\"");
    assertThat(head.body()).isEmpty();
    assertThat(post.statusCode()).isEqualTo(200);
  }

  @Test
  void withoutForwardingHeadersTheSubRequestsOwnHostAndPathCount() throws Exception {
    fixture.startWithPolicy(
        """
        routes:
          - host: auth.example.com
            anonymous: true
        """);

    HttpResponse<String> response =
        fixture.send(
            HttpRequest.newBuilder(fixture.authUri("/traefik")).header("Host", "auth.example.com"));
    assertThat(response.statusCode()).isEqualTo(200);

    // nginx's own sub-request Host is not the host nginx routed by (an absolute-form request line
    // wins there): with host routes in the policy, /auth needs the host in its path.
    HttpResponse<String> unbound =
        fixture.send(
            HttpRequest.newBuilder(fixture.authUri("/auth")).header("Host", "auth.example.com"));
    assertThat(unbound.statusCode()).isEqualTo(400);
  }

  @Test
  void noTokenIsA401WithoutErrorAttribute() throws Exception {
    fixture.start();

    HttpResponse<String> none = fixture.nginx("https://orders.example.com/orders", null);
    HttpResponse<String> basic =
        fixture.send(
            HttpRequest.newBuilder(fixture.authUri("/auth"))
                .header("X-Original-URL", "https://orders.example.com/orders")
                .header("Authorization", "Basic dXNlcjpwYXNz"));

    for (HttpResponse<String> response : List.of(none, basic)) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().allValues("WWW-Authenticate"))
          .containsExactly("Bearer realm=\"apitoken\"");
    }
  }

  static Stream<Arguments> invalidTokens() {
    return Stream.of(
        Arguments.of("not-a-token", "malformed token"),
        Arguments.of(
            token(TokenFactory.claims(3).set("exp", TokenFactory.NOW.getEpochSecond() - 3600)),
            "token expired"),
        Arguments.of(token(REVOKED), "token revoked"),
        Arguments.of(
            new TokenFactory(GatewayFixture.OTHER_KEY).token(TokenFactory.claims(3)),
            "token signed by an unknown key"),
        Arguments.of(
            token(TokenFactory.claims(3).set("iss", "https://elsewhere.example")),
            "token of another issuer"));
  }

  @ParameterizedTest
  @MethodSource("invalidTokens")
  void aRejectedTokenIsA401InvalidTokenNamingTheReasonOnly(String token, String reason)
      throws Exception {
    fixture.start();

    HttpResponse<String> response = fixture.nginx("https://orders.example.com/orders", token);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate"))
        .containsExactly(
            "Bearer realm=\"apitoken\", error=\"invalid_token\", error_description=\""
                + reason
                + "\"");
    assertThat(response.body()).isEqualTo(reason);
    assertThat(response.headers().firstValue("X-Auth-Subject")).isEmpty();
  }

  @Test
  void theBearerSchemeIsCaseInsensitive() throws Exception {
    fixture.start();

    HttpResponse<String> response =
        fixture.send(
            HttpRequest.newBuilder(fixture.authUri("/auth"))
                .header("X-Original-URL", "https://orders.example.com/orders")
                .header("Authorization", "bEaReR " + token(3)));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void aTokenForAnotherAudienceIsA403() throws Exception {
    fixture.startWithPolicy(POLICY);

    HttpResponse<String> response = fixture.nginx("https://shop.example.com/inventory/3", token(3));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .contains(
            "Bearer realm=\"apitoken\", error=\"insufficient_scope\","
                + " error_description=\"token not for audience inventory\"");
  }

  @Test
  void aHostRouteBeatsALongerPathRouteWithoutHostAndTheLongestPrefixWinsAmongEquals()
      throws Exception {
    fixture.startWithPolicy(
        """
        routes:
          - pathPrefix: /public/private
            deny: true
          - pathPrefix: /public
            anonymous: true
          - host: "*.example.com"
            pathPrefix: /
            scopes: [orders:read]
        """);

    // The wildcard host route applies although the path routes are longer.
    assertThat(fixture.nginx("https://shop.example.com/public/x", null).statusCode())
        .isEqualTo(401);
    assertThat(fixture.nginx("https://shop.example.com/public/x", token(3)).statusCode())
        .isEqualTo(200);
    // Another host: the path routes, longest first.
    assertThat(fixture.nginx("https://other.test/public/x", null).statusCode()).isEqualTo(200);
    assertThat(fixture.nginx("https://other.test/public/private/x", token(3)).statusCode())
        .isEqualTo(403);
    // A wildcard covers one label only.
    assertThat(fixture.nginx("https://a.b.example.com/public/x", null).statusCode()).isEqualTo(200);
  }

  @Test
  void dotSegmentsAndEscapesCannotReachARouteThroughAnother() throws Exception {
    fixture.startWithPolicy(
        """
        routes:
          - pathPrefix: /public
            anonymous: true
          - pathPrefix: /admin
            deny: true
        """);

    assertThat(fixture.nginx("https://x.test/public/../admin/users", null).statusCode())
        .isEqualTo(403);
    // A dot segment only escapes reveal is refused: backends disagree on decoding it.
    assertThat(fixture.nginx("https://x.test/public/%2e%2e/admin", null).statusCode())
        .isEqualTo(400);
    assertThat(fixture.nginx("https://x.test//admin", null).statusCode()).isEqualTo(403);
    assertThat(fixture.nginx("https://x.test/publicity", null).statusCode()).isEqualTo(401);
  }

  @Test
  void aDenyDefaultRefusesEverythingUnmatchedEvenWithAValidToken() throws Exception {
    fixture.startWithPolicy(
        """
        default:
          deny: true
        routes:
          - pathPrefix: /orders
            audience: orders
        """);

    HttpResponse<String> unmatched = fixture.nginx("https://x.test/other", token(3));
    assertThat(unmatched.statusCode()).isEqualTo(403);
    assertThat(unmatched.body()).isEqualTo("denied by policy");
    assertThat(fixture.nginx("https://x.test/orders/1", token(3)).statusCode()).isEqualTo(200);
  }

  @Test
  void identityHeaderNamesComeFromThePolicy() throws Exception {
    fixture.startWithPolicy(
        """
        headers:
          subject: X-User
          scopes: X-Scopes
        """);

    HttpResponse<String> response = fixture.nginx("https://x.test/", token(3));

    assertThat(response.headers().firstValue("X-User"))
        .contains("system:serviceaccount:shop:checkout");
    assertThat(response.headers().firstValue("X-Scopes")).contains("orders:read orders:write");
    assertThat(response.headers().firstValue("X-Auth-Token-Id")).isPresent();
    assertThat(response.headers().firstValue("X-Auth-Subject")).isEmpty();
  }

  @Test
  void beforeTrustLoadsATokenGets503NeverA200ThenTheGatewayBecomesReadyOnItsOwn() throws Exception {
    GatewayFixture empty = new GatewayFixture(dir.resolve("empty"));
    try (empty) {
      empty.start();

      HttpResponse<String> early = empty.nginx("https://x.test/orders", token(3));
      assertThat(early.statusCode()).isEqualTo(503);
      assertThat(early.headers().firstValue("Retry-After")).contains("1");
      assertThat(empty.management("/readyz").statusCode()).isEqualTo(503);
      assertThat(empty.metrics()).contains("apitoken_gateway_trust_ready 0");

      empty.publishTrust();
      await()
          .atMost(GatewayFixture.WITHIN_SECONDS)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> empty.management("/readyz").statusCode() == 200);
      assertThat(empty.nginx("https://x.test/orders", token(3)).statusCode()).isEqualTo(200);
      assertThat(empty.metrics()).contains("apitoken_gateway_trust_ready 1");
    }
  }

  @Test
  void aStaleStatusListIsA503NotA401WhileARevocationItShowsStillRefuses() throws Exception {
    fixture.start();
    // Past the list's exp (an hour after its iat), before the token's.
    fixture.clock.set(TokenFactory.NOW.plusSeconds(3560));

    HttpResponse<String> stale = fixture.nginx("https://x.test/orders", token(3));
    assertThat(stale.statusCode()).isEqualTo(503);
    assertThat(stale.body()).isEqualTo("trust not ready: status list stale");
    assertThat(fixture.management("/readyz").statusCode()).isEqualTo(503);
    // A revocation is final, so even a stale list proves it.
    assertThat(fixture.nginx("https://x.test/orders", token(REVOKED)).statusCode()).isEqualTo(401);
  }

  @Test
  void healthzAnswersAndUnknownManagementPathsAre404() throws Exception {
    fixture.start();

    assertThat(fixture.management("/healthz").statusCode()).isEqualTo(200);
    assertThat(fixture.management("/readyz").statusCode()).isEqualTo(200);
    assertThat(fixture.management("/nope").statusCode()).isEqualTo(404);
  }
}
