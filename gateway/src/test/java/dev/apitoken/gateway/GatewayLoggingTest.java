package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.logging.LogManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code --log-format text|json} and {@code --log-level}, as the operator's. */
class GatewayLoggingTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final System.Logger log = System.getLogger("dev.apitoken.gateway.GatewayLoggingTest");

  @AfterEach
  void restore() throws Exception {
    LogManager.getLogManager().readConfiguration();
  }

  private String printed() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonIsOneObjectPerLineWithTheOperatorsFields() throws Exception {
    GatewayLogging.configure("json", "info", out);
    log.log(Level.WARNING, "trust not loaded yet, retrying: {0}", "line one\nline two");
    log.log(Level.DEBUG, "not at info");

    assertThat(printed().lines()).hasSize(1);
    JsonNode line = new ObjectMapper().readTree(printed());
    assertThat(line.path("level").asText()).isEqualTo("WARN");
    assertThat(line.path("logger").asText()).isEqualTo("dev.apitoken.gateway.GatewayLoggingTest");
    assertThat(line.path("message").asText())
        .isEqualTo("trust not loaded yet, retrying: line one\nline two");
    assertThat(line.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(line.has("thread")).isTrue();
  }

  @Test
  void textIsOneLinePerEventEvenWithANewlineInside() {
    GatewayLogging.configure("text", "debug", out);
    log.log(Level.INFO, "policy reloaded from {0}", "/etc/policy\nforged line");
    log.log(Level.DEBUG, "debug shown");
    log.log(Level.TRACE, "trace hidden");

    assertThat(printed().lines()).hasSize(2);
    assertThat(printed().lines().findFirst().orElseThrow())
        .matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[.*\\]"
                + " dev.apitoken.gateway.GatewayLoggingTest - policy reloaded from"
                + " /etc/policy\\\\nforged line");
    assertThat(printed()).contains("DEBUG").contains("debug shown").doesNotContain("trace hidden");
  }

  @Test
  void theFlagsAndVariablesChooseFormatAndLevel() {
    GatewayConfig config =
        GatewayOptions.parse(
            new String[] {"--issuer", "i", "--trust-dir", "/t", "--log-format", "json"},
            Map.of("APITOKEN_GATEWAY_LOG_LEVEL", "debug"));
    assertThat(config.logFormat()).isEqualTo("json");
    assertThat(config.logLevel()).isEqualTo("debug");
    GatewayConfig defaults =
        GatewayOptions.parse(new String[] {"--issuer", "i", "--trust-dir", "/t"}, Map.of());
    assertThat(defaults.logFormat()).isEqualTo("text");
    assertThat(defaults.logLevel()).isEqualTo("info");
    assertThatThrownBy(
            () ->
                GatewayOptions.parse(
                    new String[] {"--issuer", "i", "--trust-dir", "/t"},
                    Map.of("APITOKEN_GATEWAY_LOG_FORMAT", "xml")))
        .hasMessage("APITOKEN_GATEWAY_LOG_FORMAT must be one of text, json, got xml");
  }
}
