package dev.apitoken.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.OperatorConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the chart renders (environment and extraArgs) is what the operator's command line reads: the
 * container's settings go through {@link ConfigLoader} exactly as the pod would start.
 */
class ChartSettingsLoadTest {
  private static OperatorConfig load(Manifests rendered) {
    Map<String, String> env = new HashMap<>(rendered.operatorEnv());
    env.put("POD_NAMESPACE", Helm.NAMESPACE); // the downward API's value in the pod
    String[] args =
        Manifests.strings(rendered.operatorContainer().path("args")).toArray(String[]::new);
    return ConfigLoader.load(args, env);
  }

  @Test
  void theDefaultReleaseStarts() {
    OperatorConfig config = load(Helm.get().render());
    assertThat(config.issuer()).isEqualTo("https://apitoken-operator.local");
    // The status Service's in-cluster URL: the origin the gateway's default --trust-url follows.
    assertThat(config.statusListUri())
        .isEqualTo(
            "http://apitoken-apitoken-operator-status." + Helm.NAMESPACE + ".svc/statuslist");
    assertThat(config.logFormat()).isEqualTo("text");
    assertThat(config.operatorNamespace()).isEqualTo(Helm.NAMESPACE);
  }

  @Test
  void valuesAndExtraArgsReachTheSettingsAndArgsWin() {
    OperatorConfig config =
        load(
            Helm.get()
                .render(
                    "--set", "issuer=https://tokens.example.com",
                    "--set", "defaultTtl=1h30m",
                    "--set", "logFormat=json",
                    "--set-json", "extraArgs=[\"--log-level=debug\",\"--status-list-ttl=10s\"]"));
    assertThat(config.issuer()).isEqualTo("https://tokens.example.com");
    assertThat(config.defaultTtl()).isEqualTo(Duration.ofMinutes(90));
    assertThat(config.logFormat()).isEqualTo("json");
    assertThat(config.logLevel()).as("an extra arg over the chart's env").isEqualTo("debug");
    assertThat(config.statusListTtl()).isEqualTo(Duration.ofSeconds(10));
  }
}
