package dev.apitoken.kubectl;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.realapi.ChartRelease;
import dev.apitoken.operator.realapi.RealApi;
import dev.apitoken.operator.realapi.RealApiServer;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's "A token leaked" walkthrough, as written, against the real API server: the chart
 * installed, the operator running as its ServiceAccount, the plain kubectl of the section sent by
 * {@link KubectlSession} with an admin client of that server. {@link ReadmeIncidentWalkthroughTest}
 * checks every detail against the mock; this checks that the same commands are accepted by a real
 * server (merge patches, the annotation, the condition wait) and do what the section says.
 */
@ExtendWith(RealApi.class)
class RealApiReadmeWalkthroughTest {
  private static final String NS = "shop";
  private static final String NAME = "orders-reader";
  private static final String SECRET = "orders-api-token";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private KubernetesClient admin;
  private KubernetesClient asOperator;
  private MutableClock clock;
  private RunningOperator operator;
  private WalkthroughSession walkthrough;

  @BeforeEach
  void createTheTokenAsTheWalkthroughDoes(RealApiServer server) throws IOException {
    admin = server.adminClient();
    ChartRelease chart =
        ChartRelease.render("apitoken", RunningOperator.OPERATOR_NAMESPACE).install(admin);
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .unlock()
        .createOr(NonDeletingOperation::update);
    asOperator = server.clientAs(chart.namespace(), chart.serviceAccount());
    clock = new MutableClock(Instant.now());
    operator =
        // Reconciled at least every 500 ms (the harness's default): a waiting kubectl moves the
        // clock on only after a reconciliation has read the new time.
        new RunningOperator(asOperator, clock, chart.operatorFlags().toArray(String[]::new))
            .start();
    Path example = Path.of(System.getProperty("repo.root", ".."), "examples");
    admin
        .resource(
            Serialization.unmarshal(
                Files.readString(example.resolve("02-scoped-with-rotation.yaml")), ApiToken.class))
        .create();
    await("the leader issues the example's token")
        .atMost(WAIT)
        .until(
            () ->
                ConditionAssert.hasCondition(
                    operator.get(NS, NAME), Conditions.READY, Conditions.TRUE));
    walkthrough = new WalkthroughSession(admin, operator, clock, NS, SECRET, WAIT);
  }

  @AfterEach
  void stop() {
    try {
      admin.resources(ApiToken.class).inNamespace(NS).delete();
      await()
          .atMost(WAIT)
          .until(() -> admin.resources(ApiToken.class).inNamespace(NS).list().getItems().isEmpty());
    } finally {
      operator.close();
      asOperator.close();
      admin.close();
    }
    if (walkthrough == null) {
      return; // the setup failed: that failure is the one to report
    }
    walkthrough.assertNoTokenShown();
  }

  @Test
  void aTokenLeakedWalkthroughRunsAsWrittenOnARealServer() {
    ReadmeSection section = ReadmeSection.of(ReadmeSection.readme(), "A token leaked: what to do");
    String leaked = walkthrough.currentToken();

    walkthrough.runBlock(section.blocks().get(0));

    ApiToken after = operator.get(NS, NAME);
    String cut = after.getSpec().getRevokeIssuedBefore();
    assertThat(cut).as("the last request of the block").isEqualTo(walkthrough.lastSubstitution());
    assertCondition(
        after, Conditions.PREVIOUS_TOKENS_REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertCondition(after, Conditions.READY, Conditions.TRUE, Conditions.REASON_ISSUED);
    assertThat(after.getStatus().getRevokedIssuedBefore()).isEqualTo(cut);
    String fresh = walkthrough.currentToken();
    assertThat(fresh).isNotEqualTo(leaked);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(walkthrough.verdict(leaked)).contains(Rejection.REVOKED);
              assertThat(walkthrough.verdict(fresh)).as("the fresh token").isEmpty();
            });

    for (ReadmeSection.TableRow row : section.tableRows()) {
      String jtiBefore = operator.get(NS, NAME).getStatus().getJti();
      walkthrough.runBlock(List.of(row.command()));
      if (row.command().contains("apitoken.dev/renew-requested-at=")) {
        await("a new token for the renew request")
            .atMost(WAIT)
            .until(
                () -> {
                  ApiToken t = operator.get(NS, NAME);
                  return !jtiBefore.equals(t.getStatus().getJti())
                      && walkthrough.lastSubstitution().equals(t.getStatus().getLastRenewRequest());
                });
        String renewed = walkthrough.currentToken();
        await().atMost(WAIT).until(() -> walkthrough.verdict(renewed).isEmpty());
      } else if (row.command().contains("\"revoked\":true")) {
        await("revoked for good")
            .atMost(WAIT)
            .until(
                () ->
                    ConditionAssert.hasCondition(
                        operator.get(NS, NAME), Conditions.REVOCATION_PUBLISHED, Conditions.TRUE));
        assertCondition(
            operator.get(NS, NAME), Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> {
                  for (String token : walkthrough.tokensSeen()) {
                    assertThat(walkthrough.verdict(token)).contains(Rejection.REVOKED);
                  }
                });
      } else {
        throw new AssertionError("no check for the table row '" + row.what() + "'");
      }
    }
  }
}
