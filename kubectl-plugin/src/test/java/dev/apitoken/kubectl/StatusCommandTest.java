package dev.apitoken.kubectl;

import static dev.apitoken.kubectl.PluginHarness.assertGolden;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
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
  void describesTokensKeyPublicationRequestsConsumersAndConditions() {
    PluginHarness.Result r = h.run("status", "orders", "-n", "shop");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("status/orders.txt", r.out());
  }

  @Test
  void describesARevokedApiTokenAndExitsNotReady() {
    PluginHarness.Result r = h.run("status", "legacy", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_READY);
    assertGolden("status/legacy.txt", r.out());
  }

  @Test
  void anApiTokenStillIssuingExitsNotReady() {
    PluginHarness.Result r = h.run("status", "pending", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_READY);
    assertGolden("status/pending.txt", r.out());
  }

  @Test
  void printsJson() {
    PluginHarness.Result r = h.run("status", "orders", "-n", "shop", "-o", "json");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("status/orders.json", r.out());
  }

  @Test
  void printsYaml() {
    PluginHarness.Result r = h.run("status", "orders", "-n", "shop", "-o", "yaml");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("status/orders.yaml", r.out());
  }

  @Test
  void listsTheNamespace() {
    PluginHarness.Result r = h.run("status", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("status/list-shop.txt", r.out());
  }

  @Test
  void listsEveryNamespaceWithDashA() {
    PluginHarness.Result r = h.run("status", "-A");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("status/list-all.txt", r.out());
  }

  @Test
  void listsAsJson() {
    PluginHarness.Result r = h.run("status", "-n", "billing", "-o", "json");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    // billing has no trust copy: the published state comes from the operator namespace's.
    assertGolden("status/list-billing.json", r.out());
  }

  @Test
  void anEmptyNamespaceSaysSoOnStandardError() {
    PluginHarness.Result r = h.run("status", "-n", "empty");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("No ApiTokens found in namespace empty.\n");
  }

  @Test
  void aMissingApiTokenExitsNotFound() {
    PluginHarness.Result r = h.run("status", "nope", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(r.err()).isEqualTo("error: ApiToken shop/nope not found\n");
  }

  @Test
  void nameAndDashATogetherIsAUsageError() {
    PluginHarness.Result r = h.run("status", "orders", "-A");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void anUnknownOutputFormatIsAUsageError() {
    PluginHarness.Result r = h.run("status", "orders", "-n", "shop", "-o", "xml");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("-o takes json, yaml, name, wide or jsonpath=TEMPLATE, not 'xml'");
  }

  @Test
  void withoutRbacToListApiTokensSaysWhatWasRefused() {
    h.forbid(PluginHarness.method("GET", "/apis/apitoken.dev/v1alpha1/namespaces/shop/apitokens"));
    PluginHarness.Result r = h.run("status", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertGolden("status/forbidden.err", r.err());
  }

  @Test
  void withoutRbacToReadTheTrustCopyThePublishedStateIsUnknown() {
    h.forbid(PluginHarness.method("GET", "/configmaps/apitoken-trust"));
    PluginHarness.Result r = h.run("status", "orders", "-n", "shop", "-o", "json");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .contains(
            "\"published\" : \"unknown (forbidden: you cannot get configmaps apitoken-trust in"
                + " namespace shop: user \\\"oncall@example.com\\\" cannot get this resource)\"");
  }

  @Test
  void usesTheKubeconfigContextGiven() {
    PluginHarness.Result r = h.run("status", "-n", "shop", "--context", "prod-eu");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(h.connections).extracting(Connection::context).containsExactly("prod-eu");
  }

  @Test
  void helpDescribesTheCommandAndItsExitCodes() {
    PluginHarness.Result r = h.run("status", "--help");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("Usage: kubectl apitoken status", "-A, --all-namespaces");
    assertThat(r.out()).contains("4 NAME is not Ready");
  }
}
