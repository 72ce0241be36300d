package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * gateway.enabled: the auth gateway's Deployment, Service, disruption budget, policy, monitoring
 * and network rule, and that examples/gateway/ names the Service the chart renders.
 */
class ChartGatewayTest {
  /** The release the examples are written for. */
  private static final String RELEASE = "apitoken-operator";

  private static final String GATEWAY = "apitoken-operator-gateway";
  private static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static Helm helm;
  private static Manifests enabled;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
    enabled = render("--set", "gateway.enabled=true");
  }

  /** {@code helm template} as release {@value #RELEASE} in {@link Helm#NAMESPACE}. */
  private static Manifests render(String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("template", RELEASE, helm.chart().toString()));
    args.addAll(List.of("--namespace", Helm.NAMESPACE));
    args.addAll(List.of(extraArgs));
    Helm.Result result = helm.run(args.toArray(String[]::new));
    if (result.exitCode() != 0) {
      throw new AssertionError("helm template failed:\n" + result);
    }
    return Manifests.parse(result.stdout());
  }

  private static JsonNode gatewayContainer(Manifests rendered) {
    JsonNode containers =
        rendered.one("Deployment", Helm.NAMESPACE, GATEWAY).at("/spec/template/spec/containers");
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static List<String> args(Manifests rendered) {
    return Manifests.strings(gatewayContainer(rendered).path("args"));
  }

  @Test
  void noGatewayByDefault() {
    Manifests defaults = render();

    assertThat(defaults.objects())
        .noneMatch(o -> o.at("/metadata/name").asText().contains("gateway"))
        .noneMatch(
            o -> "gateway".equals(o.at("/metadata/labels/app.kubernetes.io~1component").asText()));
    assertThat(defaults.ofKind("Deployment")).hasSize(1);
  }

  @Test
  void theGatewayVerifiesTheChartsTokensFromTheStatusServiceAndTheMountedTrust() {
    assertThat(args(enabled))
        .containsExactly(
            "--port",
            "8080",
            "--management-port",
            "9090",
            "--issuer",
            "https://apitoken-operator.local",
            "--trust-url",
            "http://apitoken-operator-status.apitoken-system.svc",
            "--trust-dir",
            "/etc/apitoken-trust",
            "--cache-size",
            "100000");
    JsonNode status = enabled.one("Service", Helm.NAMESPACE, "apitoken-operator-status");
    assertThat(status.at("/spec/ports/0/port").asInt()).isEqualTo(80);

    JsonNode podSpec = enabled.one("Deployment", Helm.NAMESPACE, GATEWAY).at("/spec/template/spec");
    JsonNode mount = mount(gatewayContainer(enabled), "/etc/apitoken-trust");
    assertThat(mount.has("subPath")).isFalse();
    JsonNode volume = volume(podSpec, mount.path("name").asText());
    assertThat(volume.at("/projected/sources").findValuesAsText("name"))
        .startsWith("apitoken-trust", "apitoken-trust-1")
        .hasSize(16);
    assertThat(podSpec.path("automountServiceAccountToken").asBoolean(true)).isFalse();
  }

  @Test
  void byDefaultTokensNameAStatusListOnTheOriginTheGatewayFollows() {
    for (Manifests rendered :
        List.of(
            enabled,
            render("--set", "gateway.enabled=true", "--set", "statusList.service.port=81"))) {
      JsonNode operator =
          rendered
              .one("Deployment", Helm.NAMESPACE, RELEASE)
              .at("/spec/template/spec/containers/0/env");
      URI statusList =
          URI.create(
              Manifests.stream(operator)
                  .filter(e -> e.path("name").asText().equals("APITOKEN_STATUS_LIST_URI"))
                  .findFirst()
                  .orElseThrow()
                  .path("value")
                  .asText());
      List<String> args = args(rendered);
      URI trust = URI.create(args.get(args.indexOf("--trust-url") + 1));

      // The gateway follows a status list only on its --trust-url's origin (HttpTrustSource):
      // with the default statusListUri, revocations arrive over HTTP, not with the kubelet's
      // refresh of the mounted ConfigMap a minute later.
      assertThat(List.of(statusList.getScheme(), statusList.getHost(), statusList.getPort()))
          .as("origin of %s and of --trust-url %s", statusList, trust)
          .isEqualTo(List.of(trust.getScheme(), trust.getHost(), trust.getPort()));
      assertThat(statusList.getPath()).isEqualTo("/statuslist");
    }
  }

  @Test
  void aStatusServiceOnAnotherPortIsInTheTrustUrl() {
    assertThat(
            args(render("--set", "gateway.enabled=true", "--set", "statusList.service.port=8081")))
        .contains("http://apitoken-operator-status.apitoken-system.svc:8081");
  }

  @Test
  void trustSourcesCanBeChosen() {
    Manifests urlOnly =
        render(
            "--set", "gateway.enabled=true",
            "--set", "gateway.trust.configMap=false",
            "--set", "gateway.trust.url=https://tokens.example.com");

    assertThat(args(urlOnly)).contains("https://tokens.example.com").doesNotContain("--trust-dir");
    assertThat(urlOnly.one("Deployment", Helm.NAMESPACE, GATEWAY).findValuesAsText("name"))
        .doesNotContain("apitoken-trust");

    Helm.Result none =
        helm.template(
            "--set", "gateway.enabled=true",
            "--set", "gateway.trust.configMap=false",
            "--set", "gateway.trust.http=false");
    assertThat(none.exitCode()).isNotZero();
    assertThat(none.stderr()).contains("gateway.trust.http or gateway.trust.configMap");
  }

  @Test
  void portsProbesResourcesAndHardeningLikeTheOperators() {
    JsonNode container = gatewayContainer(enabled);
    Map<String, Integer> ports =
        Manifests.byName(
            Manifests.stream(container.path("ports")).toList(),
            p -> p.path("containerPort").asInt());

    assertThat(ports).containsExactlyInAnyOrderEntriesOf(Map.of("http", 8080, "management", 9090));
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(container.at("/" + probe + "/httpGet/port").asText()).isEqualTo("management");
    }
    assertThat(container.at("/resources/limits/memory").asText()).isEqualTo("512Mi");
    assertThat(container.path("securityContext"))
        .isEqualTo(
            enabled
                .one("Deployment", Helm.NAMESPACE, RELEASE)
                .at("/spec/template/spec/containers/0/securityContext"));
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(mount(container, "/tmp").path("name").asText()).isEqualTo("tmp");
    assertThat(enabled.one("Deployment", Helm.NAMESPACE, GATEWAY).at("/spec/replicas").asInt())
        .isEqualTo(2);
  }

  @Test
  void theServiceSendsPort80ToTheAuthPortAndExposesMetrics() {
    JsonNode service = enabled.one("Service", Helm.NAMESPACE, GATEWAY);
    Map<String, JsonNode> ports =
        Manifests.byName(Manifests.stream(service.at("/spec/ports")).toList(), p -> p);

    assertThat(ports.get("http").path("port").asInt()).isEqualTo(80);
    assertThat(ports.get("http").path("targetPort").asText()).isEqualTo("http");
    assertThat(ports.get("http-metrics").path("port").asInt()).isEqualTo(9090);
    assertThat(ports.get("http-metrics").path("targetPort").asText()).isEqualTo("management");
    assertThat(service.at("/spec/selector"))
        .isEqualTo(
            enabled.one("Deployment", Helm.NAMESPACE, GATEWAY).at("/spec/selector/matchLabels"));
  }

  @Test
  void gatewayAndOperatorSelectorsNeverSelectEachOthersPods() {
    JsonNode gateway = enabled.one("Deployment", Helm.NAMESPACE, GATEWAY);
    JsonNode operator = enabled.one("Deployment", Helm.NAMESPACE, RELEASE);
    JsonNode gatewayPod = gateway.at("/spec/template/metadata/labels");
    JsonNode operatorPod = operator.at("/spec/template/metadata/labels");

    for (JsonNode object : enabled.objects()) {
      JsonNode selector =
          object.at("/spec/selector/matchLabels").isMissingNode()
              ? object.at("/spec/selector")
              : object.at("/spec/selector/matchLabels");
      if (!selector.isObject() || selector.isEmpty()) {
        continue;
      }
      boolean isGateway = object.at("/metadata/name").asText().equals(GATEWAY);
      String what = object.path("kind").asText() + " " + object.at("/metadata/name").asText();
      assertThat(selects(selector, gatewayPod)).as(what).isEqualTo(isGateway);
      assertThat(selects(selector, operatorPod)).as(what).isEqualTo(!isGateway);
    }
    assertThat(gatewayPod.path("app.kubernetes.io/component").asText()).isEqualTo("gateway");
  }

  @Test
  void aDisruptionBudgetKeepsAGatewayPodThroughADrain() {
    JsonNode budget = enabled.one("PodDisruptionBudget", Helm.NAMESPACE, GATEWAY);

    assertThat(budget.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(budget.at("/spec/selector/matchLabels"))
        .isEqualTo(
            enabled.one("Deployment", Helm.NAMESPACE, GATEWAY).at("/spec/selector/matchLabels"));
    assertThat(
            render("--set", "gateway.enabled=true", "--set", "gateway.replicaCount=1")
                .ofKind("PodDisruptionBudget"))
        .extracting(o -> o.at("/metadata/name").asText())
        .doesNotContain(GATEWAY);
    assertThat(
            render(
                    "--set",
                    "gateway.enabled=true",
                    "--set",
                    "gateway.podDisruptionBudget.minAvailable=50%")
                .one("PodDisruptionBudget", Helm.NAMESPACE, GATEWAY)
                .at("/spec/minAvailable")
                .asText())
        .isEqualTo("50%");
  }

  @Test
  void thePolicyValuesBecomeTheMountedPolicyFile() throws IOException {
    Manifests rendered =
        render(
            "--set",
            "gateway.enabled=true",
            "--set-json",
            "gateway.policy={\"default\":{\"audience\":\"orders\"},\"routes\":[{\"pathPrefix\":"
                + "\"/admin\",\"scopes\":[\"orders:admin\"]},{\"pathPrefix\":\"/healthz\","
                + "\"anonymous\":true},{\"pathPrefix\":\"/internal\",\"deny\":true}]}");
    JsonNode configMap = rendered.one("ConfigMap", Helm.NAMESPACE, GATEWAY + "-policy");
    JsonNode policy = YAML.readTree(configMap.at("/data/policy.yaml").asText());

    assertThat(policy.at("/default/audience").asText()).isEqualTo("orders");
    assertThat(policy.at("/routes/0/scopes/0").asText()).isEqualTo("orders:admin");
    assertThat(policy.at("/routes/1/anonymous").asBoolean()).isTrue();
    assertThat(policy.at("/routes/2/deny").asBoolean()).isTrue();
    assertThat(args(rendered)).containsSequence("--policy", "/etc/apitoken-gateway/policy.yaml");
    JsonNode podSpec =
        rendered.one("Deployment", Helm.NAMESPACE, GATEWAY).at("/spec/template/spec");
    JsonNode mount = mount(podSpec.at("/containers/0"), "/etc/apitoken-gateway");
    assertThat(mount.has("subPath")).isFalse();
    assertThat(volume(podSpec, mount.path("name").asText()).at("/configMap/name").asText())
        .isEqualTo(GATEWAY + "-policy");
  }

  @Test
  void anExistingPolicyConfigMapIsMountedInstead() {
    Manifests rendered =
        render(
            "--set", "gateway.enabled=true",
            "--set", "gateway.policyConfigMap=orders-gateway-policy");
    JsonNode podSpec =
        rendered.one("Deployment", Helm.NAMESPACE, GATEWAY).at("/spec/template/spec");

    assertThat(rendered.ofKind("ConfigMap")).isEmpty();
    assertThat(args(rendered)).containsSequence("--policy", "/etc/apitoken-gateway/policy.yaml");
    assertThat(volume(podSpec, "policy").at("/configMap/name").asText())
        .isEqualTo("orders-gateway-policy");
  }

  @Test
  void imageDigestAndExtraArgs() {
    Manifests rendered =
        render(
            "--set", "gateway.enabled=true",
            "--set", "gateway.image.digest=" + DIGEST,
            "--set-json", "gateway.extraArgs=[\"--threads\",\"16\"]");

    assertThat(gatewayContainer(enabled).path("image").asText())
        .isEqualTo("ghcr.io/apitoken-dev/apitoken-gateway:0.1.0");
    assertThat(gatewayContainer(rendered).path("image").asText())
        .isEqualTo("ghcr.io/apitoken-dev/apitoken-gateway@" + DIGEST);
    assertThat(args(rendered)).endsWith("--threads", "16");
  }

  @Test
  void theServiceMonitorIsOptIn() {
    assertThat(enabled.ofKind("ServiceMonitor")).isEmpty();
    JsonNode monitor =
        render(
                "--set",
                "gateway.enabled=true",
                "--set",
                "gateway.serviceMonitor.enabled=true",
                "--api-versions",
                Helm.MONITORING_API)
            .one("ServiceMonitor", Helm.NAMESPACE, GATEWAY);

    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("http-metrics");
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
    assertThat(monitor.at("/spec/selector/matchLabels"))
        .isEqualTo(enabled.one("Service", Helm.NAMESPACE, GATEWAY).at("/spec/selector"));
  }

  @Test
  void aNarrowedStatusPortStillLetsTheGatewayIn() {
    Manifests rendered =
        render(
            "--set",
            "gateway.enabled=true",
            "--set",
            "networkPolicy.enabled=true",
            "--set-json",
            "networkPolicy.statusList.from=[{\"namespaceSelector\":{\"matchLabels\":"
                + "{\"kubernetes.io/metadata.name\":\"ingress-nginx\"}}}]");
    JsonNode gatewayPod =
        rendered.one("Deployment", Helm.NAMESPACE, GATEWAY).at("/spec/template/metadata/labels");

    boolean admitted = false;
    for (JsonNode rule : rendered.one("NetworkPolicy").at("/spec/ingress")) {
      boolean statusPort = rule.findValuesAsText("port").contains("8081");
      for (JsonNode peer : rule.path("from")) {
        if (statusPort
            && !peer.has("namespaceSelector")
            && selects(peer.at("/podSelector/matchLabels"), gatewayPod)) {
          admitted = true;
        }
      }
    }
    assertThat(admitted).isTrue();
  }

  @Test
  void theNotesNameTheGatewayEndpointsOnlyWhenEnabled() {
    String enabledNotes = notes("--set", "gateway.enabled=true");

    assertThat(enabledNotes)
        .contains("rollout status deployment/" + GATEWAY)
        .contains("http://" + GATEWAY + "." + Helm.NAMESPACE + ".svc/auth")
        .contains(GATEWAY + "." + Helm.NAMESPACE + ".svc.cluster.local port 80");
    assertThat(notes()).doesNotContain("gateway");
  }

  private static String notes(String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("install", "--dry-run", RELEASE));
    args.addAll(List.of(helm.chart().toString(), "--namespace", Helm.NAMESPACE));
    args.addAll(List.of(extraArgs));
    Helm.Result installed = helm.run(args.toArray(String[]::new));
    assertThat(installed.exitCode()).as("%s", installed).isZero();
    return installed.stdout().substring(installed.stdout().indexOf("NOTES:"));
  }

  @ParameterizedTest(name = "--set {0} is rejected: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "gateway.enabeld=true                         | enabeld",
        "gateway.policy.routes[0].pathprefix=/admin   | pathprefix",
        "gateway.policy.routes[0].pathPrefix=admin    | pathPrefix",
        "gateway.policy.default.scope=x               | scope",
        "gateway.trust.url=ftp://tokens.example.com   | url",
        "gateway.cacheSize=-1                         | cacheSize",
        "gateway.image.digest=latest                  | digest",
      })
  void schemaRejects(String setting, String mentioned) {
    Helm.Result result = helm.template("--set", "gateway.enabled=true", "--set", setting);

    assertThat(result.exitCode()).as("%s", result).isNotZero();
    assertThat(result.stderr()).contains("schema").contains(mentioned);
  }

  @Test
  void lintsStrictlyWhenEnabled() {
    Helm.Result result =
        helm.run(
            "lint",
            "--strict",
            helm.chart().toString(),
            "--set",
            "gateway.enabled=true",
            "--set",
            "gateway.serviceMonitor.enabled=true",
            "--set",
            "networkPolicy.enabled=true");

    assertThat(result.exitCode()).as("%s", result).isZero();
  }

  @Test
  void everyExampleSendsItsChecksToTheRenderedGatewayService() throws IOException {
    JsonNode service = enabled.one("Service", Helm.NAMESPACE, GATEWAY);
    String host = GATEWAY + "." + Helm.NAMESPACE + ".svc";
    int port = service.at("/spec/ports/0/port").asInt();
    Path examples = helm.repo().resolve("examples/gateway");

    List<URI> targets = new ArrayList<>();
    JsonNode ingress = document(examples.resolve("ingress-nginx.yaml"), "Ingress");
    targets.add(
        URI.create(
            ingress.at("/metadata/annotations/nginx.ingress.kubernetes.io~1auth-url").asText()));
    JsonNode middleware = document(examples.resolve("traefik.yaml"), "Middleware");
    targets.add(URI.create(middleware.at("/spec/forwardAuth/address").asText()));
    JsonNode istio = document(examples.resolve("istio.yaml"), "IstioOperator");
    JsonNode provider = istio.at("/spec/meshConfig/extensionProviders/0/envoyExtAuthzHttp");
    targets.add(
        URI.create(
            "http://" + provider.path("service").asText() + ":" + provider.path("port").asInt()));
    JsonNode envoy = YAML.readTree(examples.resolve("envoy.yaml").toFile());
    for (JsonNode cluster : envoy.at("/static_resources/clusters")) {
      if (cluster.path("name").asText().equals("apitoken-gateway")) {
        JsonNode address =
            cluster.at(
                "/load_assignment/endpoints/0/lb_endpoints/0/endpoint/address/socket_address");
        targets.add(
            URI.create(
                "http://"
                    + address.path("address").asText()
                    + ":"
                    + address.path("port_value").asInt()));
      }
    }

    assertThat(targets).hasSize(4);
    for (URI target : targets) {
      assertThat(target.getHost()).as("%s", target).isIn(host, host + ".cluster.local");
      assertThat(target.getPort() < 0 ? 80 : target.getPort()).as("%s", target).isEqualTo(port);
    }
    JsonNode policy = document(examples.resolve("ingress-nginx.yaml"), "ConfigMap");
    assertThat(policy.at("/metadata/namespace").asText()).isEqualTo(Helm.NAMESPACE);
    assertThat(policy.at("/data").has("policy.yaml")).isTrue();
  }

  private static JsonNode document(Path file, String kind) throws IOException {
    String text = Files.readString(file);
    for (JsonNode document : Manifests.parse(text).objects()) {
      if (kind.equals(document.path("kind").asText())) {
        return document;
      }
    }
    throw new AssertionError(file + " has no " + kind);
  }

  private static boolean selects(JsonNode matchLabels, JsonNode podLabels) {
    Iterator<Map.Entry<String, JsonNode>> fields = matchLabels.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> label = fields.next();
      if (!label.getValue().asText().equals(podLabels.path(label.getKey()).asText(null))) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode mount(JsonNode container, String path) {
    return Manifests.stream(container.path("volumeMounts"))
        .filter(m -> m.path("mountPath").asText().equals(path))
        .findFirst()
        .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
  }

  private static JsonNode volume(JsonNode podSpec, String name) {
    return Manifests.stream(podSpec.path("volumes"))
        .filter(v -> v.path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }
}
