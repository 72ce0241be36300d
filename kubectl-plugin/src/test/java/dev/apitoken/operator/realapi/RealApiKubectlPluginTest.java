package dev.apitoken.operator.realapi;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.kubectl.ExitCodes;
import dev.apitoken.kubectl.InProcessPlugin;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.CapturedLogs;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The kubectl plugin against the real API server, the operator installed from the chart and running
 * as its ServiceAccount: the on-call user's commands ({@code status}, {@code verify}, {@code
 * revoke}, {@code list-revoked}, {@code keys}) run through the plugin's own entry point with an
 * admin kubeconfig, as {@code kubectl apitoken ... --kubeconfig FILE} would. What a user sees (exit
 * codes, output) and what the cluster then holds are checked; the mock API the plugin's other tests
 * use accepts requests (patch types, fields the schema prunes) that a real server may not.
 *
 * <p>It lives in the plugin module, in the real-API harness's package: the plugin's tests already
 * depend on the operator's test jar, so the operator cannot depend on the plugin.
 */
@ExtendWith(RealApi.class)
class RealApiKubectlPluginTest {
  private static final String NAMESPACE = "team-plugin";
  private static final String NAME = "leaked";
  private static final String REASON = "leaked in CI logs";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private InstalledOperator installed;
  private KubernetesClient admin;
  private RunningOperator replica;
  private String kubeconfig;
  private final List<InProcessPlugin.Result> outputs = new ArrayList<>();

  @BeforeEach
  void start(RealApiServer server) {
    installed = new InstalledOperator(server);
    admin = installed.admin();
    kubeconfig = server.kubeconfig().toString();
    installed.createNamespace(NAMESPACE);
    replica = installed.startReplica();
    installed.awaitLeader(WAIT);
  }

  @AfterEach
  void stop() throws Exception {
    List<String> tokens = replica == null ? List.of() : replica.tokenValuesSeen();
    try {
      installed.deleteApiTokens(NAMESPACE);
      installed.close();
    } finally {
      for (InProcessPlugin.Result r : outputs) {
        for (String token : tokens) {
          String signature = token.substring(token.lastIndexOf('.') + 1);
          assertThat(r.out() + r.err()).as("plugin output").doesNotContain(signature);
        }
      }
      CapturedLogs.assertNoTokenIn(tokens);
    }
  }

  @Test
  void anOnCallSessionRevokesALeakedTokenAndSeesItRevokedEverywhere() throws IOException {
    admin.resource(ApiTokens.named(NAME).in(NAMESPACE).build()).create();
    ApiToken ready = awaitCondition(Conditions.READY, Conditions.TRUE);
    String secretName = ready.getStatus().getSecretName();
    String token = replica.tokenValue(NAMESPACE, secretName);
    long index = ready.getStatus().getStatusListIndex();
    String kid = ready.getStatus().getKeyId();

    InProcessPlugin.Result status = plugin("", "status", NAME, "-n", NAMESPACE);
    assertThat(status.code()).as(describe("status", status)).isEqualTo(ExitCodes.OK);
    assertThat(line(status.out(), "Ready:"))
        .as(status.out())
        .hasValueSatisfying(l -> assertThat(l).contains("True"));

    InProcessPlugin.Result valid = plugin("", "verify", "--secret", secretName, "-n", NAMESPACE);
    assertThat(valid.code()).as(describe("verify --secret", valid)).isEqualTo(ExitCodes.OK);
    assertThat(line(valid.out(), "verdict:")).contains("verdict:         VALID");

    InProcessPlugin.Result revoke = plugin("", "revoke", NAME, "-n", NAMESPACE, "--reason", REASON);
    assertThat(revoke.code()).as(describe("revoke", revoke)).isEqualTo(ExitCodes.OK);
    assertThat(revoke.out())
        .contains("apitoken " + NAMESPACE + "/" + NAME + ": revocation requested");

    ApiToken revoked = awaitCondition(Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
    assertCondition(revoked, Conditions.REVOKED, Conditions.TRUE, Conditions.REASON_REVOKED);
    assertThat(revoked.getSpec().getRevocationReason())
        .as("the reason the plugin wrote, kept by the real server's schema")
        .isEqualTo(REASON);
    assertThat(revoked.getStatus().getRevocationReason()).isEqualTo(REASON);
    assertThat(MountedTrust.verify(replica, NAMESPACE, token).rejection())
        .as("a workload's mounted copy")
        .contains(Rejection.REVOKED);

    InProcessPlugin.Result after = plugin("", "status", NAME, "-n", NAMESPACE);
    assertThat(after.code())
        .as(describe("status after revoke", after))
        .isEqualTo(ExitCodes.NOT_READY);
    assertThat(line(after.out(), "Revoked:"))
        .hasValueSatisfying(l -> assertThat(l).contains("True"));

    InProcessPlugin.Result listed = plugin("", "list-revoked", "-n", NAMESPACE);
    assertThat(listed.code()).as(describe("list-revoked", listed)).isEqualTo(ExitCodes.OK);
    assertThat(line(listed.out(), NAMESPACE + "/" + NAME + " "))
        .as(listed.out())
        .hasValueSatisfying(
            l -> {
              assertThat(l.split("\\s+"))
                  .as("APITOKEN, JTI, INDEX")
                  .startsWith(
                      NAMESPACE + "/" + NAME, ready.getStatus().getJti(), Long.toString(index));
              assertThat(l).contains(REASON).endsWith("recorded, revoked");
            });

    InProcessPlugin.Result keys = plugin("", "keys");
    assertThat(keys.code()).as(describe("keys", keys)).isEqualTo(ExitCodes.OK);
    assertThat(line(keys.out(), kid + " "))
        .as(keys.out())
        .hasValueSatisfying(
            l -> {
              assertThat(l.split("\\s+")[1]).as("STATE").isEqualTo("active");
              assertThat(l).as("PUBLISHED").contains(" yes ");
            });

    InProcessPlugin.Result rejected = plugin(token, "verify", "-n", NAMESPACE);
    assertThat(rejected.code())
        .as(describe("verify (stdin)", rejected))
        .isEqualTo(ExitCodes.NOT_READY);
    assertThat(rejected.out())
        .contains("verdict:         REJECTED", "reason:          REVOKED")
        .contains("trust:           ConfigMap " + NAMESPACE + "/");
  }

  private InProcessPlugin.Result plugin(String stdin, String... args) {
    List<String> argv = new ArrayList<>(List.of(args));
    argv.add("--kubeconfig");
    argv.add(kubeconfig);
    InProcessPlugin.Result result = InProcessPlugin.run(stdin, argv.toArray(String[]::new));
    outputs.add(result);
    System.out.printf(
        "$ kubectl apitoken %s%n  exit %d%n%s%s",
        String.join(" ", args), result.code(), result.out().indent(2), result.err().indent(2));
    return result;
  }

  private static String describe(String command, InProcessPlugin.Result r) {
    return "exit code of '" + command + "' (stdout: " + r.out() + ", stderr: " + r.err() + ")";
  }

  private static Optional<String> line(String output, String prefix) {
    return output.lines().filter(l -> l.startsWith(prefix)).findFirst();
  }

  private ApiToken awaitCondition(String type, String status) {
    await()
        .atMost(WAIT)
        .until(() -> ConditionAssert.hasCondition(replica.get(NAMESPACE, NAME), type, status));
    return replica.get(NAMESPACE, NAME);
  }
}
