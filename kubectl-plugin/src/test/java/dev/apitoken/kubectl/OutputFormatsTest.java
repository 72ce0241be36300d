package dev.apitoken.kubectl;

import static dev.apitoken.kubectl.PluginHarness.assertGolden;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code -o name|wide|jsonpath=...}, as kubectl prints them, on every command that lists. */
class OutputFormatsTest {
  private PluginHarness h;

  @BeforeEach
  void seed() {
    h = new PluginHarness();
    Shop.seed(h);
    h.requests.clear();
  }

  @AfterEach
  void close() {
    h.close();
  }

  private String ok(String... args) {
    PluginHarness.Result r = h.run(args);
    assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(ExitCodes.OK);
    return r.out();
  }

  @Test
  void nameIsKubectlsResourceSlashName() {
    assertThat(ok("status", "-n", "shop", "-o", "name"))
        .isEqualTo(
            "apitoken.apitoken.dev/legacy\n"
                + "apitoken.apitoken.dev/orders\n"
                + "apitoken.apitoken.dev/pending\n");
    assertThat(ok("status", "orders", "-n", "shop", "-o", "name"))
        .isEqualTo("apitoken.apitoken.dev/orders\n");
    assertThat(ok("renew", "orders", "-n", "shop", "-o", "name", "--dry-run"))
        .isEqualTo("apitoken.apitoken.dev/orders\n");
    assertThat(ok("revoke", "orders", "-n", "shop", "--reason", "leaked", "-o", "name"))
        .isEqualTo("apitoken.apitoken.dev/orders\n");
    assertThat(h.apiToken("shop", "orders").path("spec").path("revoked").asBoolean()).isTrue();
  }

  @Test
  void nameOfKeysIsTheKidAndOfRevokedTokensTheJti() {
    assertThat(ok("keys", "-o", "name").lines())
        .contains(Shop.ACTIVE.kid(), Shop.NEXT.kid())
        .allSatisfy(l -> assertThat(l).doesNotContain(" "));
    assertThat(ok("keys", "revoke", Shop.ACTIVE.kid(), "--dry-run", "-o", "name"))
        .isEqualTo("secret/apitoken-signing-keys\n");
    String revoked = ok("list-revoked", "-A", "-o", "name");
    String json = ok("list-revoked", "-A", "-o", "jsonpath={range .items[*]}{.jti}{\"\\n\"}{end}");
    assertThat(revoked).isNotEmpty().isEqualTo(json);
  }

  @Test
  void wideAddsSubjectSecretJtiAndWhyNotReady() {
    assertGolden("status/list-shop-wide.txt", ok("status", "-n", "shop", "-o", "wide"));
    // The description has no wider form: -o wide prints it as it is.
    assertThat(ok("status", "orders", "-n", "shop", "-o", "wide"))
        .isEqualTo(ok("status", "orders", "-n", "shop"));
  }

  @Test
  void jsonPathPrintsWhatTheTemplateSelects() {
    assertThat(ok("status", "-n", "shop", "-o", "jsonpath={.items[*].name}"))
        .isEqualTo("legacy orders pending");
    assertThat(
            ok(
                "status",
                "-n",
                "shop",
                "-o",
                "jsonpath={range .items[*]}{.name}{\"\\t\"}{.ready}{\"\\n\"}{end}"))
        .isEqualTo("legacy\tFalse\norders\tTrue\npending\tFalse\n");
    assertThat(ok("status", "orders", "-n", "shop", "-o", "jsonpath={.current.index}"))
        .isEqualTo("42");
    assertThat(
            ok(
                "status",
                "orders",
                "-n",
                "shop",
                "-o=jsonpath={.conditions[?(@.type==\"Ready\")].status}"))
        .isEqualTo("True");
  }

  @Test
  void aTemplateKubectlWouldNotReadIsAUsageErrorBeforeAnyRequest() {
    PluginHarness.Result r =
        h.run("status", "-n", "shop", "-o", "jsonpath={range .items[*]}{.name}");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .startsWith(
            "-o unsupported JSONPath ({range} without {end}) in template {range .items[*]}{.name}");
    assertThat(h.requests).isEmpty();
  }

  @Test
  void anUnknownFormatIsAUsageError() {
    PluginHarness.Result r = h.run("status", "-n", "shop", "-o", "xml");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .startsWith("-o takes json, yaml, name, wide or jsonpath=TEMPLATE, not 'xml'");
  }

  @Test
  void inspectAndVerifyNameNoObject() {
    for (String command : new String[] {"inspect", "verify"}) {
      PluginHarness.Result r =
          h.runWithInput(Shop.ORDERS_TOKEN, command, "-n", "shop", "-o", "name");
      assertThat(r.code()).as(command).isEqualTo(ExitCodes.USAGE);
      assertThat(r.err())
          .isEqualTo(
              "error: -o name: "
                  + command
                  + " prints no Kubernetes object; use -o json, -o yaml or -o jsonpath=TEMPLATE\n");
    }
    PluginHarness.Result claims =
        h.runWithInput(Shop.ORDERS_TOKEN, "inspect", "-o", "jsonpath={.claims.sub}");
    assertThat(claims.code()).as(claims.err()).isEqualTo(ExitCodes.OK);
    assertThat(claims.out()).isNotBlank().doesNotContain(Shop.ORDERS_TOKEN);
  }
}
