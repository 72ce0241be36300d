package dev.apitoken.gateway;

import static dev.apitoken.gateway.GatewayFixture.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.verifier.TokenFactory;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 22, cases 1 and 2: the gateway judges exactly the request the upstream will serve, or
 * refuses it (400). Each request is sent as the proxy forwards it: ingress-nginx writes {@code
 * X-Original-URL: $scheme://$http_host$request_uri} (the client's {@code Host} header as sent and
 * the request target's path, even for an absolute-form request line), Traefik {@code
 * X-Forwarded-Host/-Uri}, Envoy the path after {@code /envoy} and {@code Host}.
 */
class RequestViewTest {
  static final String POLICY =
      """
      routes:
        - host: public.example.com
          anonymous: true
        - host: orders.example.com
          pathPrefix: /admin
          scopes: [orders:admin]
        - host: orders.example.com
          pathPrefix: /internal
          deny: true
        - host: orders.example.com
          pathPrefix: /public
          anonymous: true
      """;

  /** The auth-url of the Ingress for orders.example.com. */
  static final String ORDERS_AUTH = "/auth/orders.example.com";

  @TempDir Path dir;
  private GatewayFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = new GatewayFixture(dir).publishTrust();
    fixture.startWithPolicy(POLICY);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  /** A valid token without {@code orders:admin}. */
  static String reader() {
    return token(3);
  }

  /**
   * {@code Host: orders.example.com:1@public.example.com}: nginx serves it from the orders server
   * (the part before the port); a URI parser reads user info and host public.example.com.
   */
  @Test
  void aHostWithUserInfoIsRefusedNotJudgedAsAnotherHost() {
    for (String path : new String[] {"/admin", "/internal"}) {
      HttpResponse<String> response =
          fixture.nginx(ORDERS_AUTH, "http://orders.example.com:1@public.example.com" + path, null);
      assertThat(response.statusCode()).as(path).isEqualTo(400);
      assertThat(response.body()).contains("host");
    }
  }

  /**
   * {@code GET http://orders.example.com/admin} with {@code Host: public.example.com}: nginx routes
   * by the request line (the orders Ingress, whose auth-url names orders.example.com) while {@code
   * X-Original-URL} carries the Host header.
   */
  @Test
  void anAbsoluteFormTargetThatDisagreesWithTheHostIsRefused() {
    HttpResponse<String> bound =
        fixture.nginx(ORDERS_AUTH, "http://public.example.com/admin", null);
    assertThat(bound.statusCode()).isEqualTo(400);
    assertThat(bound.body()).isEqualTo("the request's host is not the one its auth-url names");

    // Without a host in the auth-url, a policy with host routes cannot trust the header at all.
    HttpResponse<String> unbound = fixture.nginx("/auth", "http://public.example.com/admin", null);
    assertThat(unbound.statusCode()).isEqualTo(400);
    assertThat(unbound.body()).contains("/auth/<host>");
  }

  /** {@code Host: orders.example.com:1?} or {@code :1#}: the rest of the URL is not a query. */
  @Test
  void aHostEndingInAQueryOrFragmentIsRefusedNotJudgedAsPathSlash() {
    for (String host : new String[] {"orders.example.com:1?", "orders.example.com:1#"}) {
      assertThat(fixture.nginx(ORDERS_AUTH, "http://" + host + "/admin", reader()).statusCode())
          .as(host)
          .isEqualTo(400);
      assertThat(fixture.nginx(ORDERS_AUTH, "http://" + host + "/internal", reader()).statusCode())
          .as(host)
          .isEqualTo(400);
    }
  }

  @Test
  void hostsThatAreNotAPlainHostWithAnOptionalPortAreRefusedOnEveryEndpoint() {
    for (String host :
        new String[] {
          "orders.example.com:1:2",
          "orders.example.com:x",
          "orders example.com",
          "orders.example.com,public.example.com",
          "a@orders.example.com",
          "orders.example.com/x"
        }) {
      assertThat(fixture.traefik(host, "/admin", reader()).statusCode()).as(host).isEqualTo(400);
      if (!host.contains(" ")) {
        assertThat(fixture.envoy(host, "/admin", reader()).statusCode()).as(host).isEqualTo(400);
      }
    }
  }

  @Test
  void theBoundHostIsTheIngressHostAndAWildcardBindsOneLabel() throws Exception {
    String admin = token(TokenFactory.claims(3).set("scope", "orders:read orders:admin"));
    assertThat(
            fixture
                .nginx(ORDERS_AUTH, "https://orders.example.com:443/admin/x", admin)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            fixture.nginx("/auth/*.example.com", "https://public.example.com/x", null).statusCode())
        .isEqualTo(200);
    assertThat(
            fixture
                .nginx("/auth/*.example.com", "https://a.public.example.com/x", null)
                .statusCode())
        .isEqualTo(400);
  }

  /** Paths a backend reads as another route's, each sent through every proxy's endpoint. */
  static Stream<Arguments> ambiguousPaths() {
    return Stream.of(
        // Servlet containers serve /public/..;/internal as /internal.
        Arguments.of("/public/..;/internal", false),
        Arguments.of("/public/..;/admin/users", false),
        Arguments.of("/internal;jsessionid=1", true),
        Arguments.of("/admin;x/users", true),
        // Case-insensitive and suffix-matching routers.
        Arguments.of("/Admin/users", true),
        Arguments.of("/admin.json", true),
        Arguments.of("/admin/x%2F..%2F..%2Fpublic", false),
        Arguments.of("/admin%5Cx", true),
        Arguments.of("/public/%2e%2e/admin", false),
        Arguments.of("/admin%00", true),
        Arguments.of("/admin%C3%28", true),
        Arguments.of("/../admin", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ambiguousPaths")
  void aPathABackendMayReadAsAnotherRouteIsRefusedThroughEveryProxy(
      String path, boolean withToken) {
    String token = withToken ? reader() : null;
    assertThat(fixture.nginx(ORDERS_AUTH, "https://orders.example.com" + path, token).statusCode())
        .as("nginx")
        .isEqualTo(400);
    assertThat(fixture.traefik("orders.example.com", path, token).statusCode())
        .as("traefik")
        .isEqualTo(400);
    if (!path.startsWith("/..")) {
      assertThat(fixture.envoy("orders.example.com", path, token).statusCode())
          .as("envoy")
          .isEqualTo(400);
    }
  }

  @Test
  void canonicalPathsStillMeetTheirRoutes() {
    assertThat(fixture.nginx(ORDERS_AUTH, "https://orders.example.com/public/x", null).statusCode())
        .isEqualTo(200);
    assertThat(
            fixture
                .nginx(ORDERS_AUTH, "https://orders.example.com/public/../admin", null)
                .statusCode())
        .isEqualTo(401);
    assertThat(
            fixture
                .nginx(ORDERS_AUTH, "https://orders.example.com//%61dmin/x", reader())
                .statusCode())
        .isEqualTo(403);
    assertThat(fixture.traefik("orders.example.com", "/static/App.JS?v=1", reader()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aRouteMarkedIgnoreCaseMeetsThePathInAnyCase() throws Exception {
    fixture.publishPolicy(
        """
        routes:
          - pathPrefix: /admin
            scopes: [orders:admin]
            ignoreCase: true
        """);
    org.awaitility.Awaitility.await()
        .atMost(GatewayFixture.WITHIN_SECONDS)
        .until(() -> fixture.traefik("x.test", "/ADMIN/users", reader()).statusCode() == 403);
    assertThat(fixture.traefik("x.test", "/Admin/users", reader()).statusCode()).isEqualTo(403);
    assertThat(fixture.traefik("x.test", "/Admin.json", reader()).statusCode()).isEqualTo(400);
  }
}
