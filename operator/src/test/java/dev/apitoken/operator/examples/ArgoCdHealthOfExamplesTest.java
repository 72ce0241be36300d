package dev.apitoken.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.examples.ArgoCdHealthCheckTest.Health;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.Kstatus;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The health check judges the statuses the operator really writes: every ApiToken in {@code
 * examples/} ends Healthy, or Suspended when it is revoked, and an ApiToken the operator refuses
 * ends Degraded with the operator's message.
 */
@EnableKubernetesMockClient(crud = true)
class ArgoCdHealthOfExamplesTest {
  static KubernetesClient client;

  private RunningOperator operator;

  @BeforeEach
  void start() {
    operator = new RunningOperator(client, new MutableClock(RunningOperator.START));
  }

  @AfterEach
  void stop() {
    operator.deleteAllApiTokens();
    operator.close();
  }

  @Test
  void everyExampleSettlesHealthyOrSuspendedWhenRevoked() {
    List<ApiToken> examples = exampleApiTokens();
    assertThat(examples).isNotEmpty();
    new TreeSet<>(examples.stream().map(t -> t.getMetadata().getNamespace()).toList())
        .forEach(this::namespace);
    operator.start();
    examples.forEach(operator::create);

    for (ApiToken example : examples) {
      String expected = example.getSpec().revocationRequested() ? "Suspended" : "Healthy";
      Health health =
          awaitSettled(example.getMetadata().getNamespace(), example.getMetadata().getName());
      assertThat(health.status())
          .as(example.getMetadata().getName() + ": " + health)
          .isEqualTo(expected);
      // kstatus (Flux, kpt) reads the same status: Current, or for a revoked one InProgress
      // (it has no Suspended; see GitOpsHealthTest).
      assertThat(
              Kstatus.compute(
                  operator.get(
                      example.getMetadata().getNamespace(), example.getMetadata().getName())))
          .as(example.getMetadata().getName())
          .isEqualTo(
              example.getSpec().revocationRequested() ? Kstatus.IN_PROGRESS : Kstatus.CURRENT);
    }
  }

  @Test
  void anApiTokenTheOperatorRefusesIsDegradedWithItsMessage() {
    namespace("shop");
    operator.start();
    // Valid for the CRD schema, which cannot know the operator's maximum TTL (8760h).
    operator.create(ApiTokens.named("too-long").in("shop").ttl("9000h").build());

    Health health = awaitSettled("shop", "too-long");

    assertThat(health.status()).isEqualTo("Degraded");
    assertThat(health.message()).startsWith(Conditions.REASON_INVALID_SPEC + ": spec.ttl 9000h");
    assertThat(Kstatus.compute(operator.get("shop", "too-long"))).isEqualTo(Kstatus.FAILED);
  }

  @Test
  void revokingALiveTokenGoesFromHealthyToSuspended() {
    namespace("shop");
    operator.start();
    operator.create(ApiTokens.named("leaked").in("shop").build());
    assertThat(awaitSettled("shop", "leaked").status()).isEqualTo("Healthy");

    ApiToken current = operator.get("shop", "leaked");
    current.getSpec().setRevoked(true);
    current.getSpec().setRevocationReason("pasted into a chat");
    client.resource(current).update();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> health("shop", "leaked").status().equals("Suspended"));
    assertThat(health("shop", "leaked").message()).endsWith(": pasted into a chat");
  }

  /** The mock API server lives as long as the class, so a namespace may exist already. */
  private void namespace(String name) {
    if (client.namespaces().withName(name).get() == null) {
      operator.createNamespace(name, Map.of());
    }
  }

  private Health awaitSettled(String namespace, String name) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !health(namespace, name).status().equals("Progressing"));
    return health(namespace, name);
  }

  private Health health(String namespace, String name) {
    try {
      return ArgoCdHealthCheckTest.evaluate(operator.get(namespace, name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ApiTokens of examples/*.yaml, the files the embedded run applies. */
  static List<ApiToken> exampleApiTokens() {
    Path examples = Path.of(System.getProperty("repo.root", "..")).resolve("examples");
    List<ApiToken> tokens = new ArrayList<>();
    try (Stream<Path> files = Files.list(examples)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (MappingIterator<JsonNode> documents =
            new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
          while (documents.hasNextValue()) {
            JsonNode document = documents.nextValue();
            if (document != null && "ApiToken".equals(document.path("kind").asText())) {
              tokens.add(Serialization.unmarshal(document.toString(), ApiToken.class));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tokens;
  }
}
