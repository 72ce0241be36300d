package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.store.KeyRingSecretStore;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Issue 9 item 3: at every log level the chart accepts (values.schema.json: trace, debug, info,
 * warn, error), the operator, logging exactly as Main sets it up, never writes a token, a private
 * signing key or the service account's bearer token. Fabric8's HTTP logging interceptor printed all
 * three at trace before its logger was pinned.
 */
@EnableKubernetesMockClient(crud = true)
class NoSecretInLogsAtAnyLevelTest {
  /** Stands in for the service-account token the client sends as {@code Authorization}. */
  private static final String BEARER_TOKEN = "sa-bearer-7f3c9e1d5b2a4f6e8d0c1b3a5e7f9d2c";

  private static final ObjectMapper JSON = new ObjectMapper();

  static KubernetesClient mockClient;

  private final LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
  private KubernetesClient client;
  private RunningOperator operator;

  static Stream<Arguments> levelsAndFormats() {
    List<Arguments> cases = new ArrayList<>();
    for (String level : List.of("trace", "debug", "info", "warn", "error")) {
      cases.add(Arguments.of(level, "text"));
    }
    cases.add(Arguments.of("trace", "json"));
    return cases.stream();
  }

  @ParameterizedTest(name = "--log-level={0} --log-format={1}")
  @MethodSource("levelsAndFormats")
  void noTokenPrivateKeyOrBearerTokenIsLogged(String level, String format) throws IOException {
    String ns = "logs-" + level + "-" + format;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // What Main does with the parsed settings, writing where the test can read it.
    String[] settings = {
      "--log-level=" + level,
      "--log-format=" + format,
      "--key-ring-secret=keys-" + ns,
      "--key-rotation-period=2h"
    };
    OperatorConfig config = ConfigLoader.load(settings, Map.of());
    LogSetup.configure(logging, config.logFormat(), config.logLevel(), out);
    // As in Main, the client is built after logging is set up: Fabric8 decides then whether to
    // install its HTTP logging interceptor.
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(mockClient.getConfiguration())
                    .withOauthToken(BEARER_TOKEN)
                    .build())
            .build();
    operator = new RunningOperator(client, new MutableClock(RunningOperator.START), settings);

    operator.start();
    operator.create(ApiTokens.named("leak-check").in(ns).build());
    ApiToken ready = operator.awaitReady(ns, "leak-check");
    String token = operator.tokenValue(ns, ready.getStatus().getSecretName());
    // A key rotation writes the key ring again, now holding two private keys.
    operator.clock().advance(Duration.ofHours(2));
    operator.maintainKeys();
    ApiToken revoking = operator.get(ns, "leak-check");
    revoking.getSpec().setRevoked(true);
    client.resource(revoking).update();
    operator.awaitCondition(ns, "leak-check", Conditions.REVOKED, Conditions.TRUE);
    Secret keyRing =
        client
            .secrets()
            .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
            .withName("keys-" + ns)
            .get();
    operator.close();
    operator = null;

    String logged = out.toString(StandardCharsets.UTF_8);
    if (level.equals("trace") || level.equals("debug")) {
      // the level took effect: the framework's own debug output is there
      assertThat(logged).contains("DEBUG");
    }
    if (level.equals("info")) {
      assertThat(logged).contains("event=started");
    }
    SoftAssertions leaks = new SoftAssertions();
    leaks.assertThat(linesWith(logged, BEARER_TOKEN)).as("lines with the bearer token").isEmpty();
    leaks.assertThat(token).isNotNull();
    assertNotLogged(leaks, logged, "token", token.substring(token.lastIndexOf('.') + 1));
    JsonNode ring =
        JSON.readTree(Base64.getDecoder().decode(keyRing.getData().get(KeyRingSecretStore.KEY)));
    List<String> privateKeys = new ArrayList<>();
    ring.path("keys").forEach(key -> privateKeys.add(key.path("d").asText()));
    leaks.assertThat(privateKeys).as("keys after a rotation").hasSize(2);
    for (String d : privateKeys) {
      assertNotLogged(leaks, logged, "private key d", d);
    }
    leaks.assertAll();
  }

  /**
   * Fails when {@code secret} appears as written or inside base64 (Secret data), at any of the
   * three alignments base64 can give it.
   */
  private static void assertNotLogged(
      SoftAssertions leaks, String logged, String what, String secret) {
    leaks.assertThat(secret).as(what).hasSizeGreaterThan(20);
    leaks.assertThat(linesWith(logged, secret)).as("lines with the %s", what).isEmpty();
    for (int shift = 0; shift < 3; shift++) {
      String encoded =
          Base64.getEncoder()
              .encodeToString(("xx".substring(0, shift) + secret).getBytes(StandardCharsets.UTF_8));
      // the first group holds the filler, the last one padding: the middle is the secret alone
      String middle = encoded.substring(4, encoded.length() - 4);
      leaks
          .assertThat(linesWith(logged, middle))
          .as("lines with the %s in base64 (shift %d)", what, shift)
          .isEmpty();
    }
  }

  /** The start of each line holding {@code needle}: enough to name the logger that wrote it. */
  private static List<String> linesWith(String logged, String needle) {
    return logged
        .lines()
        .filter(line -> line.contains(needle))
        .map(line -> line.substring(0, Math.min(line.length(), 140)) + "...")
        .toList();
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
    if (client != null) {
      client.close();
    }
    restoreTestLogging(logging);
  }

  @AfterAll
  static void restoreLogging() {
    restoreTestLogging((LoggerContext) LoggerFactory.getILoggerFactory());
  }

  /** Back to logback-test.xml, so the capture other tests rely on works again. */
  private static void restoreTestLogging(LoggerContext context) {
    context.reset();
    try {
      new ContextInitializer(context).autoConfig();
    } catch (JoranException e) {
      throw new IllegalStateException(e);
    }
    await().until(context::isStarted);
  }
}
