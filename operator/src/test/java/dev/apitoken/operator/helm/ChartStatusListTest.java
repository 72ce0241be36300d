package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Status List provider in the chart: its settings reach the operator, a Service in front of
 * every pod's provider port, an optional Ingress for other clusters, and NOTES naming the URI.
 */
class ChartStatusListTest {
  private static final String STATUS_SERVICE = "apitoken-apitoken-operator-status";
  private static Helm helm;

  @BeforeAll
  static void setUp() {
    helm = Helm.get();
  }

  @Test
  void theProviderPortIsExposedByAServiceInFrontOfEveryPod() {
    Manifests rendered = helm.render();
    JsonNode service = rendered.one("Service", Helm.NAMESPACE, STATUS_SERVICE);

    assertThat(service.at("/spec/selector"))
        .isEqualTo(rendered.one("Deployment").at("/spec/selector/matchLabels"));
    assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(80);
    assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("status");
    assertThat(
            Manifests.stream(rendered.operatorContainer().path("ports"))
                .filter(p -> p.path("name").asText().equals("status"))
                .map(p -> p.path("containerPort").asInt()))
        .containsExactly(8081);
    assertThat(rendered.operatorEnv())
        .containsEntry("APITOKEN_STATUS_LIST_VALIDITY", "1h")
        .containsEntry("APITOKEN_STATUS_LIST_TTL", "30s")
        .containsEntry("APITOKEN_STATUS_PORT", "8081")
        .containsEntry("APITOKEN_STATUS_MAX_WAITERS", "4000");
    assertThat(rendered.ofKind("Ingress")).as("no Ingress unless asked").isEmpty();
  }

  @Test
  void settingsReachTheOperator() {
    Manifests rendered =
        helm.render(
            "--set", "statusList.validity=2h",
            "--set", "statusList.ttl=1m",
            "--set", "statusList.port=9443",
            "--set", "statusList.maxWaiters=500");
    assertThat(rendered.operatorEnv())
        .containsEntry("APITOKEN_STATUS_LIST_VALIDITY", "2h")
        .containsEntry("APITOKEN_STATUS_LIST_TTL", "1m")
        .containsEntry("APITOKEN_STATUS_PORT", "9443")
        .containsEntry("APITOKEN_STATUS_MAX_WAITERS", "500");
  }

  @Test
  void theIngressRoutesTheListPathAndTheJwksToTheService() {
    Manifests rendered =
        helm.render(
            "--set", "statusListUri=https://tokens.example.com/revocation",
            "--set", "statusList.ingress.enabled=true",
            "--set", "statusList.ingress.host=tokens.example.com",
            "--set", "statusList.ingress.className=nginx",
            "--set", "statusList.ingress.tls.secretName=tokens-tls",
            "--set-string",
                "statusList.ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-read-timeout=75");
    JsonNode ingress = rendered.one("Ingress");

    assertThat(ingress.at("/spec/ingressClassName").asText()).isEqualTo("nginx");
    assertThat(
            ingress
                .at("/metadata/annotations/nginx.ingress.kubernetes.io~1proxy-read-timeout")
                .asText())
        .isEqualTo("75");
    assertThat(ingress.at("/spec/tls/0/secretName").asText()).isEqualTo("tokens-tls");
    assertThat(ingress.at("/spec/tls/0/hosts/0").asText()).isEqualTo("tokens.example.com");
    JsonNode rule = ingress.at("/spec/rules/0");
    assertThat(rule.path("host").asText()).isEqualTo("tokens.example.com");
    assertThat(rule.at("/http/paths").findValuesAsText("path"))
        .containsExactly("/revocation", "/.well-known/jwks.json");
    assertThat(rule.at("/http/paths").findValuesAsText("name"))
        .containsOnly(STATUS_SERVICE, "http-status");
  }

  @Test
  void notesNameTheUriToSetForOtherClusters() {
    Helm.Result installed =
        helm.run(
            "install",
            "--dry-run",
            Helm.RELEASE,
            helm.chart().toString(),
            "--namespace",
            Helm.NAMESPACE,
            "--set",
            "statusList.ingress.enabled=true",
            "--set",
            "statusList.ingress.host=tokens.example.com",
            "--set",
            "statusList.ingress.tls.secretName=tokens-tls");
    assertThat(installed.exitCode()).as("%s", installed).isZero();
    assertThat(installed.stdout())
        .contains("http://" + STATUS_SERVICE + ".apitoken-system.svc:80/statuslist")
        .contains("/.well-known/jwks.json")
        .contains("set --set statusListUri=https://tokens.example.com/statuslist");

    Helm.Result matching =
        helm.run(
            "install",
            "--dry-run",
            Helm.RELEASE,
            helm.chart().toString(),
            "--namespace",
            Helm.NAMESPACE,
            "--set",
            "statusListUri=https://tokens.example.com/statuslist",
            "--set",
            "statusList.ingress.enabled=true",
            "--set",
            "statusList.ingress.host=tokens.example.com",
            "--set",
            "statusList.ingress.tls.secretName=tokens-tls");
    assertThat(matching.stdout())
        .contains("from other clusters: https://tokens.example.com/statuslist")
        .doesNotContain("WARNING");
  }

  @ParameterizedTest(name = "--set {0} is rejected: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "statusList.validty=1h                         | validty",
        "statusList.ttl=soon                           | ttl",
        "statusList.port=80                            | port",
        "statusList.maxWaiters=0                       | maxWaiters",
        "statusList.ingress.hostname=x                 | hostname",
        "statusList.ingress.host=Not_A_Host            | host",
        "statusListUri=https://tokens.example.com/s?x=1 | statusListUri",
        "networkPolicy.statusList.fro=x                | fro",
      })
  void schemaRejects(String setting, String mentioned) {
    Helm.Result result = helm.template("--set", setting);

    assertThat(result.exitCode()).as("%s", result).isNotZero();
    assertThat(result.stderr()).contains("schema").contains(mentioned);
  }

  @Test
  void anIngressWithoutHostAndAPortClashAreRefused() {
    Helm.Result noHost = helm.template("--set", "statusList.ingress.enabled=true");
    assertThat(noHost.exitCode()).isNotZero();
    assertThat(noHost.stderr()).contains("statusList.ingress.host");

    Helm.Result clash = helm.template("--set", "statusList.port=8080");
    assertThat(clash.exitCode()).isNotZero();
    assertThat(clash.stderr()).contains("statusList.port must differ from metrics.port");
  }
}
