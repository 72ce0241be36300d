package dev.apitoken.kubectl;

import static dev.apitoken.kubectl.PluginHarness.assertGolden;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ListRevokedCommandTest {
  private PluginHarness h;

  @BeforeEach
  void seed() {
    h = new PluginHarness();
    Shop.seed(h);
  }

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void listsTheNamespacesRevokedTokensAlsoOfDeletedApiTokens() {
    PluginHarness.Result r = h.run("list-revoked", "-n", "shop");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("list-revoked/shop.txt", r.out());
  }

  @Test
  void listsEveryNamespaceWithDashA() {
    PluginHarness.Result r = h.run("list-revoked", "-A");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("list-revoked/all.txt", r.out());
  }

  @Test
  void printsJson() {
    PluginHarness.Result r = h.run("list-revoked", "-A", "-o", "json");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("list-revoked/all.json", r.out());
  }

  @Test
  void stillListsATokenAfterItsApiTokenIsDeleted() {
    h.client
        .genericKubernetesResources(Cluster.API_TOKENS)
        .inNamespace("shop")
        .withName("legacy")
        .delete();
    PluginHarness.Result r = h.run("list-revoked", "-n", "shop", "-o", "yaml");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("list-revoked/legacy-deleted.yaml", r.out());
  }

  @Test
  void withoutRbacToReadTheIssueRecordsSaysWhatToAskFor() {
    h.forbid(PluginHarness.method("GET", "/namespaces/apitoken-system/configmaps?"));
    PluginHarness.Result r = h.run("list-revoked", "-A");
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertGolden("list-revoked/forbidden.err", r.err());
  }

  @Test
  void anEmptyNamespaceSaysSo() {
    PluginHarness.Result r = h.run("list-revoked", "-n", "empty");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.err()).isEqualTo("No revoked tokens in namespace empty.\n");
  }

  @Test
  void help() {
    PluginHarness.Result r = h.run("list-revoked", "--help");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("Usage: kubectl apitoken list-revoked", "deleted ApiTokens");
  }
}
