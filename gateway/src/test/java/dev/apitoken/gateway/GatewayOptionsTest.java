package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line and its environment variables. */
class GatewayOptionsTest {
  static final Map<String, String> NO_ENV = Map.of();

  @Test
  void readsEveryFlag() {
    GatewayConfig config =
        GatewayOptions.parse(
            new String[] {
              "--issuer",
              "https://apitoken.example",
              "--trust-dir",
              "/etc/apitoken-trust",
              "--trust-url=http://apitoken-operator-status.apitoken-system.svc",
              "--policy",
              "/etc/apitoken-gateway/policy.yaml",
              "--port",
              "8081",
              "--management-port",
              "9091",
              "--cache-size",
              "0",
              "--threads",
              "8"
            },
            NO_ENV);

    assertThat(config.issuer()).isEqualTo("https://apitoken.example");
    assertThat(config.trustDirectory()).isEqualTo(Path.of("/etc/apitoken-trust"));
    assertThat(config.trustUrl())
        .isEqualTo(URI.create("http://apitoken-operator-status.apitoken-system.svc"));
    assertThat(config.policyFile()).isEqualTo(Path.of("/etc/apitoken-gateway/policy.yaml"));
    assertThat(config.port()).isEqualTo(8081);
    assertThat(config.managementPort()).isEqualTo(9091);
    assertThat(config.cacheSize()).isZero();
    assertThat(config.threads()).isEqualTo(8);
  }

  @Test
  void defaultsAreTheContracts() {
    GatewayConfig config =
        GatewayOptions.parse(new String[] {"--issuer", "i", "--trust-url", "http://p"}, NO_ENV);

    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.managementPort()).isEqualTo(9090);
    assertThat(config.cacheSize()).isEqualTo(100_000);
    assertThat(config.threads()).isGreaterThanOrEqualTo(4);
    assertThat(config.policyFile()).isNull();
    assertThat(config.trustDirectory()).isNull();
  }

  @Test
  void environmentVariablesFillInAndFlagsWin() {
    Map<String, String> env =
        Map.of(
            "APITOKEN_GATEWAY_ISSUER", "https://from-env.example",
            "APITOKEN_GATEWAY_TRUST_DIR", "/env/trust",
            "APITOKEN_GATEWAY_MANAGEMENT_PORT", "9999",
            "APITOKEN_GATEWAY_CACHE_SIZE", "5",
            "APITOKEN_GATEWAY_POLICY", "");

    GatewayConfig config = GatewayOptions.parse(new String[] {"--cache-size", "7"}, env);

    assertThat(config.issuer()).isEqualTo("https://from-env.example");
    assertThat(config.trustDirectory()).isEqualTo(Path.of("/env/trust"));
    assertThat(config.managementPort()).isEqualTo(9999);
    assertThat(config.cacheSize()).isEqualTo(7);
    assertThat(config.policyFile()).as("an empty variable is unset").isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          --trust-dir /t                               | --issuer (or APITOKEN_GATEWAY_ISSUER) is required
          --issuer i                                   | set --trust-dir, --trust-url or both
          --issuer i --trust-dir /t --port 70000       | --port must be a number from 0 to 65535, got 70000
          --issuer i --trust-dir /t --threads 0        | --threads must be a number from 1 to 1024
          --issuer i --trust-dir /t --cache-size -1    | --cache-size must be a number from 0
          --issuer i --trust-url ftp://x               | --trust-url must be an http(s) URL
          --issuer i --trust-dir /t --audience orders  | unknown argument --audience
          --issuer i --issuer j --trust-dir /t         | --issuer is given twice
          --issuer i --trust-dir                       | --trust-dir needs a value
          """)
  void aWrongCommandLineIsNamed(String args, String message) {
    assertThatThrownBy(() -> GatewayOptions.parse(args.split(" "), NO_ENV))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aWrongVariableIsNamedByItsName() {
    assertThatThrownBy(
            () ->
                GatewayOptions.parse(
                    new String[] {"--issuer", "i", "--trust-dir", "/t"},
                    Map.of("APITOKEN_GATEWAY_PORT", "http")))
        .hasMessage("APITOKEN_GATEWAY_PORT must be a number from 0 to 65535, got http");
  }

  @Test
  void everyFlagHasItsVariable() {
    assertThat(GatewayOptions.FLAGS)
        .extracting(GatewayOptions::variableOf)
        .containsExactly(
            "APITOKEN_GATEWAY_PORT",
            "APITOKEN_GATEWAY_MANAGEMENT_PORT",
            "APITOKEN_GATEWAY_TRUST_DIR",
            "APITOKEN_GATEWAY_TRUST_URL",
            "APITOKEN_GATEWAY_ISSUER",
            "APITOKEN_GATEWAY_POLICY",
            "APITOKEN_GATEWAY_CACHE_SIZE",
            "APITOKEN_GATEWAY_THREADS",
            "APITOKEN_GATEWAY_LOG_FORMAT",
            "APITOKEN_GATEWAY_LOG_LEVEL");
    assertThat(GatewayOptions.USAGE).contains(GatewayOptions.FLAGS);
  }
}
