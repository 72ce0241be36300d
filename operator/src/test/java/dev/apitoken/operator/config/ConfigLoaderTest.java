package dev.apitoken.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @Test
  void defaultsAreSensible() {
    OperatorConfig config = ConfigLoader.load(new String[0], Map.of("POD_NAMESPACE", "ops"));
    assertThat(config.issuer()).isEqualTo("https://apitoken-operator.local");
    assertThat(config.defaultTtl()).isEqualTo(Duration.ofHours(720));
    assertThat(config.maxTtl()).isEqualTo(Duration.ofHours(8760));
    assertThat(config.keyRotationPeriod()).isEqualTo(Duration.ofHours(720));
    assertThat(config.operatorNamespace()).isEqualTo("ops");
    assertThat(config.trustConfigMapName()).isEqualTo("apitoken-trust");
    assertThat(config.statusListUri()).isEqualTo("https://apitoken-operator.local/statuslist");
    assertThat(config.watchesAllNamespaces()).isTrue();
    assertThat(config.leaderElection()).isTrue();
    assertThat(config.statusListValidity()).isEqualTo(Duration.ofHours(1));
    assertThat(config.statusListTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.statusPort()).isEqualTo(8081);
    assertThat(config.statusMaxWaiters()).isEqualTo(4_000);
  }

  @Test
  void flagsWinOverEnvironment() {
    OperatorConfig config =
        ConfigLoader.load(
            new String[] {"--issuer=https://a.example", "--watch-namespaces=x, y"},
            Map.of("APITOKEN_ISSUER", "https://b.example", "APITOKEN_DEFAULT_TTL", "24h"));
    assertThat(config.issuer()).isEqualTo("https://a.example");
    assertThat(config.defaultTtl()).isEqualTo(Duration.ofHours(24));
    assertThat(config.watchNamespaces()).containsExactlyInAnyOrder("x", "y");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--default-ttl=30 days | default-ttl (--default-ttl or APITOKEN_DEFAULT_TTL) is '30 days'",
        "--max-ttl=0h | max-ttl (--max-ttl or APITOKEN_MAX_TTL) is '0h': must be longer than zero",
        "--max-ttl=365d | is '365d': use hours, minutes and seconds, e.g. 720h or 1h30m (days are not accepted, as in Kubernetes: write 8760h for 365d)",
        "--http-port=99999 | http-port (--http-port or APITOKEN_HTTP_PORT) is '99999'",
        "--log-format=xml | log-format (--log-format or APITOKEN_LOG_FORMAT) is 'xml': use one of text, json",
        "--leader-election=maybe | leader-election (--leader-election or APITOKEN_LEADER_ELECTION)",
        "--trust-configmap=Bad_Name | trust-configmap (--trust-configmap or APITOKEN_TRUST_CONFIGMAP)",
        "--default-ttl=9000h | default-ttl (9000h) is longer than max-ttl (8760h)",
        "--no-such-thing=1 | unknown setting --no-such-thing",
        "--status-list-uri=https://t.example/sl?v=1 | must have no query or fragment",
        "--status-list-uri=https://t.example/sl#a | must have no query or fragment",
        "--status-list-validity=30s | use at least 1m",
        "--status-list-ttl=2h | status-list-ttl (2h) is longer than status-list-validity (1h)",
        "--status-port=8080 | status-port and http-port are both 8080",
        "--status-max-waiters=0 | status-max-waiters (--status-max-waiters or APITOKEN_STATUS_MAX_WAITERS)",
        "--trust-configmap="
            + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            + " | at most 230 characters, so the names derived from it stay within 253",
      })
  void badValuesStopStartUpNamingTheSetting(String flag, String expected) {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {flag}, Map.of("POD_NAMESPACE", "ops")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void aFlagTakesItsValueAfterASpaceToo() {
    OperatorConfig config =
        ConfigLoader.load(
            new String[] {"--issuer", "https://a.example", "--log-level=debug"},
            Map.of("POD_NAMESPACE", "ops"));
    assertThat(config.issuer()).isEqualTo("https://a.example");
    assertThat(config.logLevel()).isEqualTo("debug");
  }

  @Test
  void everyProblemOfTheCommandLineIsReportedAtOnce() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    new String[] {"stray", "--no-such-thing=1", "--max-ttl=0h", "--lease-name"},
                    Map.of("POD_NAMESPACE", "ops")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("argument 'stray': use --name=value")
        .hasMessageContaining("unknown setting --no-such-thing")
        .hasMessageContaining("max-ttl (--max-ttl or APITOKEN_MAX_TTL) is '0h'")
        .hasMessageContaining("argument '--lease-name' has no value: use --name=value");
  }
}
