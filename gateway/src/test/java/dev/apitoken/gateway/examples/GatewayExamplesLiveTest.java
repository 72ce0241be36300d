package dev.apitoken.gateway.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each proxy example, read the way its proxy reads it, in front of a running gateway configured
 * like the chart's with the policy of ingress-nginx.yaml: what the app behind the proxy receives,
 * and what a refused client sees.
 */
class GatewayExamplesLiveTest {
  private static final String HOST = "orders.example.com";
  private static final String SUBJECT = LiveGateway.SUBJECT;
  private static final String REALM = "Bearer realm=\"apitoken\"";

  @TempDir static Path dir;
  private static LiveGateway gateway;
  private static Map<String, Proxy> proxies;

  /** A proxy example with the gateway behind it. */
  interface Proxy {
    Outcome handle(ClientRequest request);
  }

  @BeforeAll
  static void start() throws Exception {
    List<JsonNode> nginxFile = ExampleFiles.documents(ExampleFiles.INGRESS_NGINX);
    String policy = ExampleFiles.one(nginxFile, "ConfigMap").at("/data/policy.yaml").asText();
    gateway = LiveGateway.startLikeTheChart(dir, policy);
    GatewayLink chartService = gateway.link(ChartGatewayService::serves);

    IngressNginxAuth nginx = IngressNginxAuth.from(ExampleFiles.one(nginxFile, "Ingress"));
    TraefikForwardAuth traefik =
        TraefikForwardAuth.from(
            ExampleFiles.one(ExampleFiles.documents(ExampleFiles.TRAEFIK), "Middleware"));
    List<JsonNode> istioFile = ExampleFiles.documents(ExampleFiles.ISTIO);
    IstioCustomPolicy istioPolicy =
        IstioCustomPolicy.from(ExampleFiles.one(istioFile, "AuthorizationPolicy"));
    EnvoyExtAuthz istio =
        EnvoyExtAuthz.fromIstio(
            GatewayExamplesStaticTest.istioProvider(istioFile, istioPolicy.provider()));
    EnvoyExtAuthz envoy =
        EnvoyExtAuthz.fromBootstrap(ExampleFiles.documents(ExampleFiles.ENVOY).get(0));

    proxies =
        Map.of(
            "ingress-nginx", request -> nginx.handle(request, chartService),
            "traefik", request -> traefik.handle(request, chartService),
            "istio",
                request ->
                    istioPolicy.checks(request)
                        ? istio.handle(request, chartService)
                        : new Outcome.Forwarded(request.headers().copy()),
            "envoy", request -> envoy.handle(request, chartService));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static Outcome send(String proxy, String uri, Headers headers) {
    return proxies.get(proxy).handle(ClientRequest.get(HOST, uri, headers));
  }

  private static Headers bearer(String token) {
    return Headers.of("Authorization", "Bearer " + token, "Accept", "application/json");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx", "traefik", "istio", "envoy"})
  void aValidTokensIdentityReachesTheApp(String proxy) {
    Outcome outcome = send(proxy, "/orders/42?expand=items", bearer(LiveGateway.token(3)));

    Headers app = LiveGateway.forwardedWithTokenIdentity(outcome);
    assertThat(app.first("Accept")).contains("application/json");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx", "traefik", "istio", "envoy"})
  void aPostWithAValidTokenPassesToo(String proxy) {
    Outcome outcome =
        proxies
            .get(proxy)
            .handle(
                new ClientRequest("POST", "https", HOST, "/orders", bearer(LiveGateway.token(3))));

    assertThat(outcome).isInstanceOf(Outcome.Forwarded.class);
    assertThat(((Outcome.Forwarded) outcome).headers().all("X-Auth-Subject"))
        .containsExactly(SUBJECT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx", "traefik", "istio", "envoy"})
  void withoutATokenTheClientGetsTheBareChallenge(String proxy) {
    Outcome outcome = send(proxy, "/orders", Headers.of("Accept", "*/*"));

    assertThat(outcome).isInstanceOf(Outcome.Refused.class);
    Outcome.Refused refused = (Outcome.Refused) outcome;
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.headers().all("WWW-Authenticate")).containsExactly(REALM);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx", "traefik", "istio", "envoy"})
  void anUntrustedOrRevokedTokenGets401InvalidToken(String proxy) {
    for (String token :
        List.of(
            LiveGateway.strangersToken(), LiveGateway.token(LiveGateway.REVOKED_INDEX), "x.y.z")) {
      Outcome outcome = send(proxy, "/orders", bearer(token));

      assertThat(outcome).isInstanceOf(Outcome.Refused.class);
      Outcome.Refused refused = (Outcome.Refused) outcome;
      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.headers().all("WWW-Authenticate"))
          .singleElement()
          .asString()
          .startsWith(REALM + ", error=\"invalid_token\"");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx", "traefik", "istio", "envoy"})
  void theAdminRouteWantsItsScope(String proxy) {
    Outcome outcome = send(proxy, "/admin/users", bearer(LiveGateway.token(3)));

    assertThat(outcome).isInstanceOf(Outcome.Refused.class);
    assertThat(((Outcome.Refused) outcome).status()).isEqualTo(403);
  }

  /** A client naming an anonymous path in headers the gateway reads must not get past. */
  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx", "traefik", "istio", "envoy"})
  void forgedOriginalRequestHeadersDoNotOpenAProtectedPath(String proxy) {
    Headers forged =
        Headers.of(
            "X-Original-URL", "https://" + HOST + "/healthz",
            "X-Original-Method", "GET",
            "X-Forwarded-Uri", "/healthz",
            "X-Forwarded-Host", HOST,
            "X-Forwarded-Method", "GET",
            "X-Forwarded-Proto", "https");

    Outcome outcome = send(proxy, "/admin/users", forged);

    assertThat(outcome).isInstanceOf(Outcome.Refused.class);
    assertThat(((Outcome.Refused) outcome).status()).isEqualTo(401);
  }

  /**
   * On an anonymous path the gateway returns no identity; identity headers the client wrote must
   * not reach the app as if they were the gateway's. Istio's ext_authz keeps them (istio.yaml says
   * so), so it is not listed.
   */
  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx", "traefik", "envoy"})
  void anAnonymousPathPassesWithoutAnyIdentity(String proxy) {
    Outcome outcome =
        send(proxy, "/healthz", Headers.of("X-Auth-Subject", "admin", "X-Auth-Scopes", "*"));

    assertThat(outcome).isInstanceOf(Outcome.Forwarded.class);
    Headers app = ((Outcome.Forwarded) outcome).headers();
    assertThat(app.has("X-Auth-Subject")).isFalse();
    assertThat(app.has("X-Auth-Scopes")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx", "traefik", "istio", "envoy"})
  void identityHeadersAClientWroteAreReplacedByTheGateways(String proxy) {
    Headers headers = bearer(LiveGateway.token(3)).add("X-Auth-Subject", "admin");

    Outcome outcome = send(proxy, "/orders", headers);

    assertThat(outcome).isInstanceOf(Outcome.Forwarded.class);
    assertThat(((Outcome.Forwarded) outcome).headers().all("X-Auth-Subject"))
        .containsExactly(SUBJECT);
  }
}
