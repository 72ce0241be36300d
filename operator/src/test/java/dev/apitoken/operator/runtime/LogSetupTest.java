package dev.apitoken.operator.runtime;

import static net.logstash.logback.argument.StructuredArguments.keyValue;
import static net.logstash.logback.argument.StructuredArguments.kv;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.joran.spi.JoranException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;

/**
 * Each test configures its own logger context, so the shared one (and the log capture other tests
 * rely on) is left alone.
 */
class LogSetupTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LoggerContext context = new LoggerContext();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @BeforeEach
  void mdc() {
    // A context of our own lacks the MDC adapter SLF4J's binding gives the shared one.
    context.setMDCAdapter(new LogbackMDCAdapter());
  }

  @AfterEach
  void stop() {
    context.stop();
  }

  @Test
  void jsonModeWritesOneParseableObjectPerEvent() throws IOException {
    LogSetup.configure(context, "json", "info", out);
    Logger log = context.getLogger("dev.apitoken.operator.Example");

    log.info("event=issued namespace={} note=\"{}\"", "team-a", "line one\nline two");
    log.warn(
        "event=publish_failed", new IllegalStateException("boom", new RuntimeException("root")));
    log.debug("not at info");

    List<String> lines = lines();
    assertThat(lines).hasSize(2);
    JsonNode first = JSON.readTree(lines.get(0));
    assertThat(first.get("level").asText()).isEqualTo("INFO");
    assertThat(first.get("logger").asText()).isEqualTo("dev.apitoken.operator.Example");
    assertThat(first.get("thread").asText()).isEqualTo(Thread.currentThread().getName());
    assertThat(first.get("message").asText())
        .isEqualTo("event=issued namespace=team-a note=\"line one\nline two\"");
    assertThat(Instant.parse(first.get("timestamp").asText())).isBeforeOrEqualTo(Instant.now());
    assertThat(first.has("stack_trace")).isFalse();

    JsonNode second = JSON.readTree(lines.get(1));
    assertThat(second.get("level").asText()).isEqualTo("WARN");
    assertThat(second.get("stack_trace").asText())
        .startsWith(IllegalStateException.class.getName() + ": boom")
        .contains("Caused by: java.lang.RuntimeException: root");
  }

  /** What log pipelines query: each pair is a field of its own, with numbers as numbers. */
  @Test
  void jsonModeWritesEveryStructuredArgumentAsAField() throws IOException {
    LogSetup.configure(context, "json", "info", out);
    Logger audit = context.getLogger(LogSetup.AUDIT_LOGGER);

    audit.info(
        "audit {} {} {}",
        kv("action", "revoke"),
        kv("index", 1_234_567L),
        keyValue("reason", "laptop stolen", "{0}=\"{1}\""));

    JsonNode line = JSON.readTree(lines().get(0));
    assertThat(line.get("message").asText())
        .isEqualTo("audit action=revoke index=1234567 reason=\"laptop stolen\"");
    assertThat(line.get("action").asText()).isEqualTo("revoke");
    assertThat(line.get("index").isNumber()).isTrue();
    assertThat(line.get("index").asLong()).isEqualTo(1_234_567L);
    assertThat(line.get("reason").asText()).isEqualTo("laptop stolen");
    assertThat(line.has("@version")).isFalse();
  }

  @Test
  void textModeWritesOneLinePerEventEvenWithNewlinesAndStackTraces() {
    LogSetup.configure(context, "text", "debug", out);
    Logger log = context.getLogger("dev.apitoken.operator.Example");

    log.info("event=started port={}", 8080);
    log.debug("first\nsecond\r\nthird");
    log.error("event=start_failed", new IllegalStateException("no key ring"));

    List<String> lines = lines();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0))
        .matches(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z INFO  \\[.+] .*Example - event=started port=8080");
    assertThat(lines.get(1)).endsWith("- first\\nsecond\\nthird");
    assertThat(lines.get(2))
        .contains("event=start_failed | java.lang.IllegalStateException: no key ring | at ");
  }

  @Test
  void levelAppliesToEverythingButTheAuditLogger() {
    LogSetup.configure(context, "text", "error", out);

    context.getLogger("dev.apitoken.operator.Example").info("hidden");
    context.getLogger(LogSetup.AUDIT_LOGGER).info("audit action=issued jti=abc");
    context.getLogger("dev.apitoken.operator.Example").error("shown");

    assertThat(lines()).hasSize(2);
    assertThat(lines().get(0)).contains("audit action=issued jti=abc");
    assertThat(lines().get(1)).contains("shown");
  }

  @Test
  void reconfiguringDoesNotCloseTheStream() {
    LogSetup.configure(context, "json", "info", out);
    LogSetup.configure(context, "text", "info", out);

    context.getLogger("x").info("still writing");

    assertThat(lines()).singleElement().asString().contains("still writing");
  }

  @ParameterizedTest(name = "--log-level={0}")
  @ValueSource(strings = {"trace", "debug", "info", "warn", "error"})
  void loggersThatPrintHttpContentNeverGoBelowInfo(String level) {
    LogSetup.configure(context, "text", level, out);

    for (String name :
        List.of(
            "io.fabric8.kubernetes.client.http.HttpLoggingInterceptor",
            "io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher",
            "io.fabric8.mockwebserver.internal.MockDispatcher",
            "okhttp3.logging.HttpLoggingInterceptor")) {
      Logger pinned = context.getLogger(name);
      assertThat(pinned.isTraceEnabled()).as("%s trace", name).isFalse();
      assertThat(pinned.isDebugEnabled()).as("%s debug", name).isFalse();
      pinned.trace("> Authorization: Bearer secret");
      pinned.debug("Secret data: secret");
    }
    Logger other = context.getLogger("io.fabric8.kubernetes.client.informers.Reflector");
    assertThat(other.isTraceEnabled()).isEqualTo(level.equals("trace"));

    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("secret");
  }

  @Test
  void pinnedLoggersStillReportProblems() {
    LogSetup.configure(context, "text", "trace", out);

    context.getLogger("io.fabric8.kubernetes.client.http.StandardHttpClient").warn("retrying");

    assertThat(lines()).singleElement().asString().contains("retrying");
  }

  @Test
  void aLoggerLineInTheConfigurationCannotUnpinThem() {
    LogSetup.configure(context, "text", "trace", out);

    context
        .getLogger("io.fabric8.kubernetes.client.http.HttpLoggingInterceptor")
        .setLevel(ch.qos.logback.classic.Level.TRACE);

    assertThat(
            context
                .getLogger("io.fabric8.kubernetes.client.http.HttpLoggingInterceptor")
                .isTraceEnabled())
        .isFalse();
  }

  @Test
  void logbackXmlPinsThemWhenTheEnvironmentAsksForTrace() throws JoranException {
    // What APITOKEN_LOG_LEVEL=trace does to a run that never calls LogSetup (the embedded one).
    context.putProperty("APITOKEN_LOG_LEVEL", "TRACE");
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    URL productionConfig = getClass().getClassLoader().getResource("logback.xml");
    assertThat(productionConfig.toString()).doesNotContain("test-classes");
    configurator.doConfigure(productionConfig);

    assertThat(context.getLogger("dev.apitoken.operator.Example").isTraceEnabled()).isTrue();
    assertThat(
            context
                .getLogger("io.fabric8.kubernetes.client.http.HttpLoggingInterceptor")
                .isTraceEnabled())
        .isFalse();
    assertThat(
            context
                .getLogger("io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher")
                .isDebugEnabled())
        .isFalse();
  }

  @Test
  void fabric8sUnstableVersionWarningAboutOurOwnCrdIsNotPrinted() {
    LogSetup.configure(context, "text", "info", out);

    unstableVersionWarning(context);
    context.getLogger("io.fabric8.kubernetes.client.Other").warn("other warnings still show");

    assertThat(lines()).hasSize(1).allMatch(line -> line.contains("other warnings still show"));
  }

  @Test
  void logbackXmlAlsoHidesTheUnstableVersionWarning() throws JoranException {
    // The configuration of a run that never calls LogSetup (the embedded one, before it does).
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(getClass().getClassLoader().getResource("logback.xml"));

    assertThat(context.getLogger(LogSetup.UNSTABLE_VERSION_LOGGER).isWarnEnabled()).isFalse();
    assertThat(context.getLogger("io.fabric8.kubernetes.client.Other").isWarnEnabled()).isTrue();
  }

  @Test
  void jettysBannersAreQuietAtInfoAndShownAtDebug() {
    LogSetup.configure(context, "text", "info", out);
    assertThat(context.getLogger("org.eclipse.jetty.server.Server").isInfoEnabled()).isFalse();
    assertThat(context.getLogger("org.eclipse.jetty.server.Server").isWarnEnabled()).isTrue();

    LogSetup.configure(context, "text", "debug", out);
    assertThat(context.getLogger("org.eclipse.jetty.server.Server").isInfoEnabled()).isTrue();
  }

  /** Fabric8's message, logged as VersionUsageUtils logs it for a v1alpha1 custom resource. */
  private static void unstableVersionWarning(LoggerContext context) {
    context
        .getLogger(LogSetup.UNSTABLE_VERSION_LOGGER)
        .warn(
            "The client is using resource type '{}' with unstable version '{}'",
            "apitokens",
            "v1alpha1");
  }

  @Test
  void jdkHttpClientHeaderLoggingIsOff() {
    LogSetup.configure(context, "text", "trace", out);

    assertThat(java.util.logging.Logger.getLogger("jdk.httpclient.HttpClient").getLevel())
        .isEqualTo(java.util.logging.Level.OFF);
  }

  @ParameterizedTest
  @CsvSource({
    "io.fabric8.kubernetes.client.http, true",
    "io.fabric8.kubernetes.client.http.HttpLoggingInterceptor, true",
    "io.fabric8.kubernetes.client.http.HttpLoggingInterceptor$HttpLogger, true",
    "io.fabric8.kubernetes.client.httpx, false",
    "io.fabric8.kubernetes.client.informers, false",
    "io.javaoperatorsdk.operator.processing.event.EventProcessor, false",
    "dev.apitoken.operator.store.KeyRingSecretStore, false",
  })
  void pinnedNames(String loggerName, boolean pinned) {
    assertThat(SecretBearingLoggers.isPinned(loggerName)).isEqualTo(pinned);
  }

  private List<String> lines() {
    String text = out.toString(StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    assertThat(lines.remove(lines.size() - 1)).as("every event ends with a newline").isEmpty();
    return lines;
  }
}
