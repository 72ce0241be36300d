package dev.apitoken.gateway.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What can be checked in examples/gateway/ without sending a request: every file parses strictly,
 * uses real API types and field names, and its proxy sends checks to the chart's gateway Service.
 */
class GatewayExamplesStaticTest {
  /** Top-level fields of Envoy's v3 Bootstrap used by a static configuration. */
  private static final Set<String> BOOTSTRAP_FIELDS =
      Set.of("node", "static_resources", "dynamic_resources", "admin", "layered_runtime");

  @Test
  void aKeyTwiceInOneMappingIsRefused() {
    assertThatThrownBy(() -> ExampleFiles.parse("kind: Service\nkind: Ingress\n"))
        .hasMessageContaining("Duplicate field 'kind'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingress-nginx.yaml", "traefik.yaml", "istio.yaml", "sidecar.yaml"})
  void everyKubernetesDocumentIsARealTypeWithAName(String file) {
    List<JsonNode> documents = ExampleFiles.documents(file);

    assertThat(documents).isNotEmpty();
    for (JsonNode document : documents) {
      String type = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
      assertThat(KnownKinds.SERVED).as(file).contains(type);
      assertThat(document.at("/metadata/name").asText()).as(file + " " + type).isNotBlank();
    }
  }

  @Test
  void theEnvoyFileIsOneBootstrap() {
    List<JsonNode> documents = ExampleFiles.documents(ExampleFiles.ENVOY);

    assertThat(documents).hasSize(1);
    List<String> fields = new ArrayList<>();
    documents.get(0).fieldNames().forEachRemaining(fields::add);
    assertThat(BOOTSTRAP_FIELDS).containsAll(fields);
  }

  @Test
  void ingressNginxChecksAtTheChartsServiceAndCopiesTheIdentityHeaders() {
    JsonNode ingress =
        ExampleFiles.one(ExampleFiles.documents(ExampleFiles.INGRESS_NGINX), "Ingress");
    IngressNginxAuth auth = IngressNginxAuth.from(ingress);

    assertThat(ChartGatewayService.serves(auth.authUrl())).as("%s", auth.authUrl()).isTrue();
    // The Ingress's own host, bound in its auth-url (see docs/GATEWAY.md).
    assertThat(auth.authUrl().getPath())
        .isEqualTo(
            ChartGatewayService.FORWARD_AUTH_PATH
                + "/"
                + ingress.at("/spec/rules/0/host").asText());
    assertThat(auth.responseHeaders())
        .containsExactlyInAnyOrder(
            "X-Auth-Subject", "X-Auth-Scopes", "X-Auth-Token-Id", "X-Auth-Audience");
  }

  @Test
  void theIngressNginxPolicyConfigMapLivesBesideTheChartsGateway() throws IOException {
    JsonNode configMap =
        ExampleFiles.one(ExampleFiles.documents(ExampleFiles.INGRESS_NGINX), "ConfigMap");

    assertThat(configMap.at("/metadata/namespace").asText())
        .isEqualTo(ChartGatewayService.NAMESPACE);
    assertThat(ExampleFiles.parse(configMap.at("/data/policy.yaml").asText())).hasSize(1);
  }

  @Test
  void traefikChecksAtTheChartsServiceAndTheRouteUsesTheMiddleware() {
    List<JsonNode> documents = ExampleFiles.documents(ExampleFiles.TRAEFIK);
    JsonNode middleware = ExampleFiles.one(documents, "Middleware");
    TraefikForwardAuth forwardAuth = TraefikForwardAuth.from(middleware);
    JsonNode route = ExampleFiles.one(documents, "IngressRoute");

    assertThat(ChartGatewayService.serves(forwardAuth.address())).isTrue();
    assertThat(forwardAuth.address().getPath()).isEqualTo(ChartGatewayService.TRAEFIK_PATH);
    assertThat(forwardAuth.trustForwardHeader()).isFalse();
    assertThat(forwardAuth.authResponseHeaders())
        .containsExactlyInAnyOrder(
            "X-Auth-Subject", "X-Auth-Scopes", "X-Auth-Token-Id", "X-Auth-Audience");
    assertThat(route.at("/metadata/namespace").asText())
        .isEqualTo(middleware.at("/metadata/namespace").asText());
    for (JsonNode rule : route.at("/spec/routes")) {
      assertThat(rule.path("middlewares").findValuesAsText("name"))
          .as("route %s", rule.path("match").asText())
          .contains(middleware.at("/metadata/name").asText());
    }
  }

  @Test
  void istioPolicyCallsTheProviderThatChecksAtTheChartsService() {
    List<JsonNode> documents = ExampleFiles.documents(ExampleFiles.ISTIO);
    IstioCustomPolicy policy =
        IstioCustomPolicy.from(ExampleFiles.one(documents, "AuthorizationPolicy"));
    JsonNode provider = istioProvider(documents, policy.provider());
    EnvoyExtAuthz extAuthz = EnvoyExtAuthz.fromIstio(provider);

    assertThat(ChartGatewayService.serves(extAuthz.target())).as("%s", extAuthz.target()).isTrue();
    assertThat(extAuthz.pathPrefix()).isEqualTo(ChartGatewayService.ENVOY_PATH_PREFIX);
    assertThat(policy.checks(ClientRequest.get("orders.example.com", "/orders", new Headers())))
        .isTrue();
  }

  @Test
  void envoyChecksAtTheChartsService() {
    EnvoyExtAuthz extAuthz =
        EnvoyExtAuthz.fromBootstrap(ExampleFiles.documents(ExampleFiles.ENVOY).get(0));

    assertThat(ChartGatewayService.serves(extAuthz.target())).as("%s", extAuthz.target()).isTrue();
    assertThat(extAuthz.pathPrefix()).isEqualTo(ChartGatewayService.ENVOY_PATH_PREFIX);
  }

  static JsonNode istioProvider(List<JsonNode> documents, String name) {
    JsonNode providers =
        ExampleFiles.one(documents, "IstioOperator").at("/spec/meshConfig/extensionProviders");
    for (JsonNode provider : providers) {
      if (provider.path("name").asText().equals(name)) {
        return provider;
      }
    }
    throw new AssertionError("no extension provider named " + name + " in " + providers);
  }
}
