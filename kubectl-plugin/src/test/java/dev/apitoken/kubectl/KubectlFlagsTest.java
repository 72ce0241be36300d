package dev.apitoken.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kubectl's connection flags, through the plugin's own connection code and a kubeconfig file, as a
 * user runs {@code kubectl apitoken ... --kubeconfig FILE}: what reaches the API server is checked.
 */
class KubectlFlagsTest {
  private PluginHarness h;
  private String kubeconfig;

  @BeforeEach
  void seed(@TempDir Path dir) throws Exception {
    h = new PluginHarness();
    Shop.seed(h);
    kubeconfig = h.kubeconfig(dir, "shop", "billing").toString();
    h.requests.clear();
  }

  @AfterEach
  void close() {
    h.close();
  }

  private List<PluginHarness.Sent> apiTokenRequests() {
    return h.requests.stream().filter(r -> r.path().contains("/apitokens")).toList();
  }

  @Test
  void asAndAsGroupImpersonateOnEveryRequest() {
    PluginHarness.Result r =
        h.runConnected(
            "status",
            "orders",
            "--kubeconfig",
            kubeconfig,
            "--as",
            "oncall@example.com",
            "--as-group",
            "sre",
            "--as-group",
            "system:authenticated");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(h.requests).hasSizeGreaterThan(1);
    assertThat(h.requests)
        .allSatisfy(
            sent ->
                assertThat(sent.header("Impersonate-User")).containsExactly("oncall@example.com"));
    // Every group, on every request after the first: the mock server records the first request of
    // a connection (the HTTP/1.1 request that upgrades to HTTP/2) with one value per header name.
    assertThat(h.requests.subList(1, h.requests.size()))
        .allSatisfy(
            sent ->
                assertThat(sent.header("Impersonate-Group"))
                    .containsExactly("sre", "system:authenticated"));
  }

  @Test
  void withoutAsNothingIsImpersonated() {
    PluginHarness.Result r = h.runConnected("status", "--kubeconfig", kubeconfig);
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(h.requests).allSatisfy(s -> assertThat(s.header("Impersonate-User")).isEmpty());
  }

  @Test
  void asGroupWithoutAsIsAUsageError() {
    PluginHarness.Result r =
        h.runConnected("status", "--kubeconfig", kubeconfig, "--as-group", "sre");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .isEqualTo("error: --as-group needs --as: groups are impersonated with a user\n");
    assertThat(h.requests).isEmpty();
  }

  @Test
  void theContextGivenChoosesItsNamespace() {
    PluginHarness.Result current =
        h.runConnected("status", "-o", "name", "--kubeconfig", kubeconfig);
    assertThat(current.out()).contains(ApiTokenView.RESOURCE + "/orders");
    PluginHarness.Result billing =
        h.runConnected(
            "status", "-o", "name", "--kubeconfig", kubeconfig, "--context", "ctx-billing");
    assertThat(billing.code()).as(billing.err()).isEqualTo(ExitCodes.OK);
    assertThat(apiTokenRequests().get(apiTokenRequests().size() - 1).path())
        .startsWith("/apis/apitoken.dev/v1alpha1/namespaces/billing/apitokens");
    assertThat(billing.out()).doesNotContain("/orders");
  }

  @Test
  void anUnknownContextIsAUsageError() {
    PluginHarness.Result r =
        h.runConnected("status", "--kubeconfig", kubeconfig, "--context", "prod-eu");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("error: no context 'prod-eu' in the kubeconfig\n");
  }

  @Test
  void requestTimeoutGivesUpOnASlowApiServer() {
    h.answerSlowly(PluginHarness.method("GET", "/apitokens"));
    Instant start = Instant.now();
    PluginHarness.Result r =
        h.runConnected("status", "--kubeconfig", kubeconfig, "--request-timeout", "1s");
    Duration took = Duration.between(start, Instant.now());
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err()).startsWith("error: cannot list apitokens.apitoken.dev in namespace shop");
    assertThat(took)
        .as(
            "1s per attempt, %d retries, against an answer %s away",
            Main.RETRIES, PluginHarness.SLOW_ANSWER)
        .isLessThan(PluginHarness.SLOW_ANSWER.dividedBy(2));
  }

  @Test
  void requestTimeoutTakesKubectlsDurations() {
    for (String ok : List.of("0", "5", "5s", "1m30s", "500ms")) {
      PluginHarness.Result r =
          h.runConnected("status", "--kubeconfig", kubeconfig, "--request-timeout", ok);
      assertThat(r.code()).as(ok + ": " + r.err()).isEqualTo(ExitCodes.OK);
    }
    PluginHarness.Result bad =
        h.runConnected("status", "--kubeconfig", kubeconfig, "--request-timeout", "soon");
    assertThat(bad.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err())
        .startsWith(
            "Invalid value for option '--request-timeout': --request-timeout takes a duration"
                + " such as 5s, 1m or 500ms, or a number of seconds, not 'soon'");
  }

  @Test
  void keysTakesNoNamespace() {
    PluginHarness.Result r = h.run("keys", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).startsWith("Unknown options: '-n', 'shop'");
    PluginHarness.Result revoke = h.run("keys", "revoke", Shop.ACTIVE.kid(), "-n", "shop");
    assertThat(revoke.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(h.requests).isEmpty();
  }

  @Test
  void everyNamespacedCommandTakesNamespace() {
    for (String command :
        List.of("status", "renew", "revoke", "rotate", "list-revoked", "inspect", "verify")) {
      PluginHarness.Result help = h.run(command, "--help");
      assertThat(help.out()).as(command).contains("-n, --namespace=NS");
      assertThat(help.out())
          .as(command)
          .contains(
              "--as=USER",
              "--as-group=GROUP",
              "--request-timeout=DURATION",
              "--context=CONTEXT",
              "--kubeconfig=FILE");
    }
    assertThat(h.run("keys", "--help").out()).doesNotContain("--namespace").contains("--as=USER");
  }

  @Test
  void aFileThatIsNoKubeconfigIsAUsageError(@TempDir Path dir) throws Exception {
    Path notAKubeconfig = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "- a\n- b\n");
    PluginHarness.Result r = h.runConnected("status", "--kubeconfig", notAKubeconfig.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .isEqualTo("error: --kubeconfig " + notAKubeconfig + " is not a kubeconfig file\n");
  }
}
