package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * networkPolicy.enabled: ingress only to the HTTP and status ports, egress only to the API server
 * and DNS.
 */
class ChartNetworkPolicyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Peers as a user would write them in a values file. */
  private static final String NARROWED =
      """
      networkPolicy:
        enabled: true
        ingress:
          from:
            - namespaceSelector:
                matchLabels:
                  kubernetes.io/metadata.name: monitoring
              podSelector:
                matchLabels:
                  app.kubernetes.io/name: prometheus
        apiServer:
          cidrs: [10.96.0.1/32, 172.18.0.2/32]
          ports: [6443]
        dns:
          to:
            - namespaceSelector:
                matchLabels:
                  kubernetes.io/metadata.name: kube-system
              podSelector:
                matchExpressions:
                  - {key: k8s-app, operator: In, values: [kube-dns]}
      metrics:
        port: 9090
      """;

  @TempDir static Path tempDir;

  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  @Test
  void noNetworkPolicyByDefault() {
    assertThat(helm.render().ofKind("NetworkPolicy")).isEmpty();
  }

  @Test
  void enabledPolicySelectsTheOperatorPodsAndControlsBothDirections() {
    Manifests rendered = helm.render("--set", "networkPolicy.enabled=true");
    JsonNode policy = rendered.one("NetworkPolicy").path("spec");

    assertThat(policy.at("/podSelector/matchLabels"))
        .isEqualTo(rendered.one("Deployment").at("/spec/selector/matchLabels"));
    assertThat(Manifests.strings(policy.path("policyTypes")))
        .containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(rendered.one("NetworkPolicy").at("/metadata/namespace").asText())
        .isEqualTo(Helm.NAMESPACE);
  }

  @Test
  void ingressOnlyToTheHttpPortFromAnyPeerByDefault() throws IOException {
    Manifests rendered = helm.render("--set", "networkPolicy.enabled=true");
    JsonNode ingress = rendered.one("NetworkPolicy").at("/spec/ingress");

    assertThat(ingress).hasSize(2);
    assertThat(ingress.get(0).path("ports"))
        .isEqualTo(JSON.readTree("[{\"port\": 8080, \"protocol\": \"TCP\"}]"));
    assertThat(ingress.get(0).has("from")).as("no from: any peer, that port only").isFalse();
    assertThat(ingress.get(1).path("ports"))
        .as("the Status List provider")
        .isEqualTo(JSON.readTree("[{\"port\": 8081, \"protocol\": \"TCP\"}]"));
    assertThat(ingress.get(1).has("from")).isFalse();
    assertThat(rendered.operatorContainer().at("/ports/0/containerPort").asInt()).isEqualTo(8080);
  }

  @Test
  void egressOnlyToTheApiServerAndDnsByDefault() throws IOException {
    JsonNode egress =
        helm.render("--set", "networkPolicy.enabled=true").one("NetworkPolicy").at("/spec/egress");

    assertThat(egress).hasSize(2);
    assertThat(egress.get(0))
        .isEqualTo(
            JSON.readTree(
                """
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                 "ports": [{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}]}
                """));
    assertThat(egress.get(1))
        .isEqualTo(
            JSON.readTree(
                """
                {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}
                """));
  }

  @Test
  void peersCidrsAndPortsComeFromValues() throws IOException {
    Path values = Files.writeString(tempDir.resolve("narrowed.yaml"), NARROWED);
    Manifests rendered = helm.render("--values", values.toString());
    JsonNode policy = rendered.one("NetworkPolicy").path("spec");

    JsonNode ingress = policy.at("/ingress/0");
    assertThat(ingress.path("ports"))
        .isEqualTo(JSON.readTree("[{\"port\": 9090, \"protocol\": \"TCP\"}]"));
    assertThat(
            ingress
                .at("/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name")
                .asText())
        .isEqualTo("monitoring");
    assertThat(ingress.at("/from/0/podSelector/matchLabels/app.kubernetes.io~1name").asText())
        .isEqualTo("prometheus");

    JsonNode apiServer = policy.at("/egress/0");
    assertThat(apiServer.path("to").findValuesAsText("cidr"))
        .containsExactly("10.96.0.1/32", "172.18.0.2/32");
    assertThat(apiServer.path("ports").findValuesAsText("port")).containsExactly("6443");

    JsonNode dns = policy.at("/egress/1");
    assertThat(dns.path("ports").findValuesAsText("port")).containsExactly("53", "53");
    assertThat(dns.at("/to/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText())
        .isEqualTo("kube-system");
    assertThat(dns.at("/to/0/podSelector/matchExpressions/0/values/0").asText())
        .isEqualTo("kube-dns");
    assertThat(policy.path("egress")).hasSize(2);
  }

  @Test
  void everyEgressRuleIsLimitedToPorts() {
    Manifests rendered = helm.render("--set", "networkPolicy.enabled=true");

    List<JsonNode> rules =
        Manifests.stream(rendered.one("NetworkPolicy").at("/spec/egress")).toList();
    assertThat(rules)
        .allSatisfy(rule -> assertThat(rule.path("ports").size()).as("%s", rule).isPositive());
    assertThat(rules)
        .flatMap(rule -> rule.path("ports").findValuesAsText("port"))
        .containsOnly("443", "6443", "53");
  }

  @Test
  void lintsStrictlyWhenEnabled() throws IOException {
    Path values = Files.writeString(tempDir.resolve("lint.yaml"), NARROWED);
    Helm.Result result =
        helm.run("lint", "--strict", helm.chart().toString(), "--values", values.toString());

    assertThat(result.exitCode()).as("%s", result).isZero();
  }
}
