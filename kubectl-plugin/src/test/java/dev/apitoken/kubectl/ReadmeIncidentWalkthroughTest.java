package dev.apitoken.kubectl;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.KeyRingSecretStore;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's incident walkthrough ("A token leaked: what to do", "A signing key leaked: what to
 * do") run as written: every command of its {@code bash} blocks, in order, against a mock API
 * server on which the real operator runs; {@code kubectl apitoken} through the plugin's {@link
 * Main}, plain kubectl through {@link KubectlSession}'s strict interpreter. After each block the
 * test checks what the user would see: conditions, the Secret, and the verifier library's verdict
 * on the old and the new token against the trust copy published in the namespace.
 *
 * <p>Each test starts where the README's "Walkthrough with kubectl" leaves off: namespace {@code
 * shop} and {@code examples/02-scoped-with-rotation.yaml} applied and Ready. A user types the next
 * command a minute after the previous one ({@link WalkthroughSession#TYPING_PAUSE}), so each
 * request carries its own time, to the second, as {@code $(date)} and the plugin write it.
 */
class ReadmeIncidentWalkthroughTest {
  private static final String NS = "shop";
  private static final String NAME = "orders-reader";
  private static final String SECRET = "orders-api-token";
  private static final String KEY_RING = "apitoken-signing-keys";

  private KubernetesMockServer server;
  private KubernetesClient client;
  private MutableClock clock;
  private RunningOperator operator;
  private WalkthroughSession walkthrough;

  @BeforeEach
  void createTheTokenAsTheWalkthroughDoes() throws IOException {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(
                List.of(
                    new CustomResourceDefinitionContext.Builder()
                        .withGroup(Cluster.GROUP)
                        .withVersion(Cluster.VERSION)
                        .withKind("ApiToken")
                        .withPlural("apitokens")
                        .withScope("Namespaced")
                        .build())),
            false);
    server.init();
    client = server.createClient();
    clock = new MutableClock(RunningOperator.START);
    operator = new RunningOperator(client, clock);
    assertThat(operator.config().keyRingSecretName()).isEqualTo(KEY_RING);
    operator.createNamespace(NS, Map.of());
    operator.start();
    Path example = Path.of(System.getProperty("repo.root", ".."), "examples");
    operator.create(
        Serialization.unmarshal(
            Files.readString(example.resolve("02-scoped-with-rotation.yaml")), ApiToken.class));
    operator.awaitReady(NS, NAME);
    walkthrough =
        new WalkthroughSession(client, operator, clock, NS, SECRET, Duration.ofSeconds(20));
  }

  @AfterEach
  void stop() {
    try {
      operator.close();
    } finally {
      client.close();
      server.destroy();
    }
    if (walkthrough == null) {
      return; // the setup failed: that failure is the one to report
    }
    walkthrough.assertNoTokenShown();
  }

  @Test
  void aTokenLeakedWalkthroughRevokesEveryEarlierTokenAndKeepsTheApiToken() {
    ReadmeSection section = ReadmeSection.of(ReadmeSection.readme(), "A token leaked: what to do");
    assertThat(section.blocks()).as("bash blocks of the section").hasSize(1);
    String leaked = walkthrough.currentToken();

    walkthrough.runBlock(section.blocks().get(0), Map.of());

    ApiToken after = operator.get(NS, NAME);
    String cut = after.getSpec().getRevokeIssuedBefore();
    assertThat(cut).as("the last request of the block").isEqualTo(walkthrough.lastSubstitution());
    assertThat(clock.instant())
        .as("kubectl wait returned only after the 10m grace period")
        .isAfterOrEqualTo(Instant.parse(cut).plus(Duration.ofMinutes(10)));
    assertCondition(
        after, Conditions.PREVIOUS_TOKENS_REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertCondition(after, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    assertThat(after.getStatus().getRevokedIssuedBefore()).isEqualTo(cut);
    assertThat(after.getStatus().getTokens())
        .as("every token issued before %s is revoked, the one after it is not", cut)
        .allSatisfy(
            t ->
                assertThat(t.getRevokedAt() != null)
                    .as(t.getJti())
                    .isEqualTo(Instant.parse(t.getIssuedAt()).isBefore(Instant.parse(cut))));
    String fresh = walkthrough.currentToken();
    assertThat(fresh).isNotEqualTo(leaked);
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(walkthrough.verdict(leaked)).contains(Rejection.REVOKED);
              assertThat(walkthrough.verdict(fresh)).as("the fresh token").isEmpty();
              for (IssuedToken t : operator.get(NS, NAME).getStatus().getTokens()) {
                assertThat(operator.publishedStatus(NS, t.getIndex()))
                    .as("published status of %s", t.getJti())
                    .isEqualTo(t.getRevokedAt() == null ? 0 : 1);
              }
            });

    // The table's plain kubectl commands, in order; each row's effect is checked by what it asks.
    List<ReadmeSection.TableRow> rows = section.tableRows();
    assertThat(rows).extracting(ReadmeSection.TableRow::command).hasSize(2);
    for (ReadmeSection.TableRow row : rows) {
      String before = walkthrough.currentToken();
      String jtiBefore = operator.get(NS, NAME).getStatus().getJti();
      walkthrough.runBlock(List.of(row.command()), Map.of());
      if (row.command().contains("apitoken.dev/renew-requested-at=")) {
        assertRenewed(jtiBefore, before);
      } else if (row.command().contains("\"revoked\":true")) {
        assertRevokedForGood();
      } else {
        throw new AssertionError("no check for the table row '" + row.what() + "'");
      }
    }
  }

  @Test
  void aSigningKeyLeakedWalkthroughUnpublishesTheKeyAndReissuesWithANewOne() {
    ReadmeSection section =
        ReadmeSection.of(ReadmeSection.readme(), "A signing key leaked: what to do");
    assertThat(section.blocks()).as("kubectl apitoken, then plain kubectl").hasSize(2);
    assertThat(section.tableRows()).isEmpty();

    for (List<String> block : section.blocks()) {
      String kid = activeKid();
      assertThat(operator.get(NS, NAME).getStatus().getKeyId())
          .as("the leaked key signed the current token")
          .isEqualTo(kid);
      String signedByLeakedKey = walkthrough.currentToken();
      int ran = walkthrough.transcript().size();

      walkthrough.runBlock(block, Map.of("kid", kid));

      assertThat(walkthrough.transcript().get(ran).result().out())
          .as("the block's first command shows the kid to revoke")
          .contains(kid);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                assertThat(publishedKids(NS)).as("kids in the JWKS of %s", NS).doesNotContain(kid);
                assertThat(publishedKids(RunningOperator.OPERATOR_NAMESPACE)).doesNotContain(kid);
                assertThat(walkthrough.verdict(signedByLeakedKey)).contains(Rejection.UNKNOWN_KEY);
              });
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                ApiToken reissued = operator.get(NS, NAME);
                assertThat(reissued.getStatus().getKeyId()).isNotEqualTo(kid);
                assertCondition(
                    reissued, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
                assertThat(keyIdOf(walkthrough.currentToken()))
                    .isEqualTo(reissued.getStatus().getKeyId());
                assertThat(walkthrough.verdict(walkthrough.currentToken()))
                    .as("the reissued token")
                    .isEmpty();
              });
      assertThat(keyRing().getMetadata().getAnnotations())
          .doesNotContainKey(KeyRingSecretStore.REVOKE_KIDS_ANNOTATION)
          .extractingByKey(KeyRingSecretStore.REVOKED_KIDS_ANNOTATION)
          .asString()
          .contains(kid + "=");
    }
  }

  @Test
  void theReadmeWaitsForTheConditionBecauseAJsonpathWaitReturnsOnAStaleTrue() {
    // The README's first version waited with --for=jsonpath on PreviousTokensRevoked. After an
    // earlier rotation that condition is True until the operator gets to the next request, and a
    // jsonpath wait returns on it. Here the operator is stopped to make "not yet" last.
    walkthrough.runBlock(
        List.of("kubectl apitoken rotate orders-reader -n shop --revoke-previous"), Map.of());
    operator.awaitCondition(NS, NAME, Conditions.PREVIOUS_TOKENS_REVOKED, Conditions.TRUE);
    operator.close();
    walkthrough.runBlock(
        List.of("kubectl apitoken rotate orders-reader -n shop --revoke-previous --grace 10m"),
        Map.of());
    String leaked = walkthrough.currentToken();

    walkthrough.runBlock(
        List.of(
            "kubectl wait --for=jsonpath='{.status.conditions[?(@.type==\"PreviousTokensRevoked\")]"
                + ".status}'=True apitoken/orders-reader -n shop --timeout=15m"),
        Map.of());
    ApiToken stale = operator.get(NS, NAME);
    assertThat(stale.getStatus().getRevokedIssuedBefore())
        .as("the jsonpath wait returned, but the request is not done")
        .isNotEqualTo(stale.getSpec().getRevokeIssuedBefore());
    assertThat(walkthrough.verdict(leaked)).as("the token the user meant to revoke").isEmpty();

    operator.start();
    walkthrough.runBlock(
        List.of(
            "kubectl wait --for=condition=PreviousTokensRevoked apitoken/orders-reader -n shop"
                + " --timeout=15m"),
        Map.of());
    ApiToken done = operator.get(NS, NAME);
    assertThat(done.getStatus().getRevokedIssuedBefore())
        .isEqualTo(done.getSpec().getRevokeIssuedBefore());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(walkthrough.verdict(leaked)).contains(Rejection.REVOKED));
  }

  private void assertRenewed(String jtiBefore, String before) {
    ApiToken renewed = operator.awaitNewToken(NS, NAME, jtiBefore);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                walkthrough
                    .lastSubstitution()
                    .equals(operator.get(NS, NAME).getStatus().getLastRenewRequest()));
    String after = walkthrough.currentToken();
    assertThat(after).isNotEqualTo(before);
    assertCondition(renewed, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(walkthrough.verdict(after)).as("the renewed token").isEmpty();
              assertThat(walkthrough.verdict(before))
                  .as("a renewal keeps the previous token valid")
                  .isEmpty();
            });
  }

  private void assertRevokedForGood() {
    ApiToken revoked =
        operator.awaitCondition(NS, NAME, Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    assertCondition(revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertCondition(revoked, Conditions.READY, Conditions.FALSE, Conditions.REASON_REVOKED);
    assertThat(operator.secret(NS, SECRET)).as("the Secret is deleted").isNull();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (String token : walkthrough.tokensSeen()) {
                assertThat(walkthrough.verdict(token)).contains(Rejection.REVOKED);
              }
            });
  }

  private Secret keyRing() {
    return client
        .secrets()
        .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
        .withName(KEY_RING)
        .get();
  }

  /** The kid the key ring marks active, as `kubectl apitoken keys` lists it. */
  private String activeKid() {
    JsonNode keys =
        read(keyRing().getMetadata().getAnnotations().get(KeyRingSecretStore.KEYS_ANNOTATION));
    return StreamSupport.stream(keys.spliterator(), false)
        .filter(k -> "active".equals(k.path("state").asText()))
        .map(k -> k.path("kid").asText())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no active key in " + keys));
  }

  private Set<String> publishedKids(String namespace) {
    ConfigMap copy = operator.trustConfigMap(namespace);
    assertThat(copy).as("trust copy in %s", namespace).isNotNull();
    JsonNode jwks = read(copy.getData().get(TrustDocument.JWKS_KEY));
    return StreamSupport.stream(jwks.path("keys").spliterator(), false)
        .map(k -> k.path("kid").asText())
        .collect(Collectors.toSet());
  }

  private static String keyIdOf(String token) {
    String header =
        new String(
            Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
            StandardCharsets.UTF_8);
    return read(header).path("kid").asText();
  }

  private static JsonNode read(String json) {
    try {
      return Cluster.JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
