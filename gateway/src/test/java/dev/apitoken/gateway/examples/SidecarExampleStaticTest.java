package dev.apitoken.gateway.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sidecar example's nginx.conf against the gateway's flags in the same Deployment: the ports
 * and paths each side uses must be the other's.
 */
class SidecarExampleStaticTest {
  private final SidecarPod pod = SidecarPod.load();

  @Test
  void theServiceReachesTheAppOnlyThroughTheAuthProxy() {
    NginxAuthRequestServer nginx =
        NginxAuthRequestServer.listeningOn(pod.nginxConf(), pod.servedPort());
    URI upstream = nginx.proxyPass("/orders");

    assertThat(pod.service().at("/spec/selector"))
        .isEqualTo(pod.deployment().at("/spec/template/metadata/labels"));
    assertThat(upstream.getHost()).isEqualTo("127.0.0.1");
    assertThat(upstream.getPort()).isEqualTo(pod.port(SidecarPod.APP, "app"));
    assertThat(pod.servedPort()).isNotEqualTo(pod.port(SidecarPod.APP, "app"));
  }

  @Test
  void nginxAsksTheGatewaysForwardAuthEndpointOnItsPort() {
    NginxAuthRequestServer nginx =
        NginxAuthRequestServer.listeningOn(pod.nginxConf(), pod.servedPort());
    NginxConf.Directive root = NginxConf.parse(pod.nginxConf());
    String authUri =
        root.first("http").orElseThrow().first("server").orElseThrow().all("location").stream()
            .flatMap(l -> l.all("auth_request").stream())
            .map(d -> d.arg(0))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no auth_request"));
    URI gateway = nginx.proxyPass(authUri);

    assertThat(gateway.getHost()).isEqualTo("127.0.0.1");
    assertThat(gateway.getPort()).isEqualTo(Integer.parseInt(pod.gatewayFlags().get("--port")));
    assertThat(gateway.getPath()).isEqualTo(ChartGatewayService.FORWARD_AUTH_PATH);
  }

  @Test
  void theGatewayProbesUseItsManagementPort() {
    Map<String, String> flags = pod.gatewayFlags();
    JsonNode gateway = pod.container(SidecarPod.GATEWAY);
    int management = Integer.parseInt(flags.get("--management-port"));

    assertThat(flags.get("--port")).isNotEqualTo(flags.get("--management-port"));
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      JsonNode get = gateway.path(probe).path("httpGet");
      JsonNode port = get.path("port");
      int number = port.isInt() ? port.asInt() : pod.port(SidecarPod.GATEWAY, port.asText());
      assertThat(number).as(probe).isEqualTo(management);
      assertThat(get.path("path").asText())
          .as(probe)
          .isEqualTo(probe.equals("readinessProbe") ? "/readyz" : "/healthz");
    }
  }

  @Test
  void theGatewayTrustsTheWholeMountedTrustConfigMapAndTheOperatorsIssuer() {
    Map<String, String> flags = pod.gatewayFlags();
    List<JsonNode> trustMounts = new ArrayList<>();
    for (JsonNode mount : pod.container(SidecarPod.GATEWAY).path("volumeMounts")) {
      if (mount.path("mountPath").asText().equals(flags.get("--trust-dir"))) {
        trustMounts.add(mount);
      }
    }

    assertThat(flags.get("--issuer")).isEqualTo(ChartGatewayService.ISSUER);
    assertThat(trustMounts).hasSize(1);
    assertThat(trustMounts.get(0).has("subPath")).isFalse();
    assertThat(trustMounts.get(0).has("subPathExpr")).isFalse();
    JsonNode volume = pod.volume(trustMounts.get(0).path("name").asText());
    List<String> configMaps = new ArrayList<>(volume.at("/configMap").findValuesAsText("name"));
    volume.at("/projected/sources").forEach(s -> configMaps.add(s.at("/configMap/name").asText()));
    assertThat(configMaps).contains("apitoken-trust");
  }
}
