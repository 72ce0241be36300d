package dev.apitoken.kubectl;

import static dev.apitoken.kubectl.PluginHarness.assertGolden;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inspect and verify: what they print about a token, and that they never print the token. */
class TokenCommandsTest {
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

  private static void assertNoTokenIn(PluginHarness.Result r, String token) {
    String signature = token.substring(token.lastIndexOf('.') + 1);
    assertThat(r.out() + r.err()).doesNotContain(token).doesNotContain(signature);
  }

  @Test
  void inspectFromStandardInputPrintsHeaderClaimsAndFingerprintOnly() {
    PluginHarness.Result r = h.runWithInput(Shop.ORDERS_PREVIOUS_TOKEN + "\n", "inspect");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("inspect/stdin.txt", r.out());
    assertNoTokenIn(r, Shop.ORDERS_PREVIOUS_TOKEN);
  }

  @Test
  void inspectOfATokenSecretSaysWhetherItIsTheCurrentToken() {
    PluginHarness.Result r = h.run("inspect", "--secret", "orders-token", "-n", "shop");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("inspect/secret.txt", r.out());
    assertNoTokenIn(r, Shop.ORDERS_TOKEN);
  }

  @Test
  void inspectPrintsJson() {
    PluginHarness.Result r =
        h.run("inspect", "--secret", "orders-token", "-n", "shop", "-o", "json");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("inspect/secret.json", r.out());
    assertNoTokenIn(r, Shop.ORDERS_TOKEN);
  }

  @Test
  void inspectOfSomethingElseSaysItIsNoJwtWithoutRepeatingIt() {
    PluginHarness.Result r = h.runWithInput("hunter2-password", "inspect");
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err()).isEqualTo("error: not a JWT (expected three dot-separated parts)\n");
    PluginHarness.Result garbage = h.runWithInput("abc.secret-part.def", "inspect");
    assertThat(garbage.code()).isEqualTo(ExitCodes.ERROR);
    assertThat(garbage.err()).doesNotContain("secret-part");
  }

  @Test
  void inspectOfAMissingSecretExitsNotFound() {
    PluginHarness.Result r = h.run("inspect", "--secret", "nope", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(r.err()).isEqualTo("error: Secret shop/nope not found\n");
  }

  @Test
  void inspectWithoutInputIsAUsageError() {
    PluginHarness.Result r = h.run("inspect");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("error: no token on standard input (or give --secret NAME)\n");
  }

  @Test
  void verifyAcceptsTheCurrentTokenAgainstTheNamespacesTrustCopy() {
    PluginHarness.Result r = h.run("verify", "--secret", "orders-token", "-n", "shop");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("verify/valid.txt", r.out());
    assertNoTokenIn(r, Shop.ORDERS_TOKEN);
  }

  @Test
  void verifyRejectsARevokedTokenWithExitCode4() {
    PluginHarness.Result r = h.run("verify", "--secret", "legacy-copy", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_READY);
    assertGolden("verify/revoked.txt", r.out());
    assertNoTokenIn(r, Shop.LEGACY_TOKEN);
  }

  @Test
  void verifyRejectsATokenOfAnUnpublishedKey() {
    String forged =
        Shop.FOREIGN.token(
            "orders-api", "forged", 42, Shop.NOW - 60, Shop.NOW + 3600, Shop.STATUS_URI);
    PluginHarness.Result r = h.runWithInput(forged, "verify", "-n", "shop", "-o", "json");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_READY);
    assertGolden("verify/unknown-key.json", r.out());
  }

  @Test
  void verifyChecksIssuerAndAudienceWhenGiven() {
    PluginHarness.Result r =
        h.runWithInput(
            Shop.ORDERS_TOKEN,
            "verify",
            "-n",
            "shop",
            "--issuer",
            "https://apitoken.example",
            "--audience",
            "payments");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_READY);
    assertThat(r.out()).contains("verdict:         REJECTED", "reason:          WRONG_AUDIENCE");
  }

  @Test
  void verifyUsesATrustDirectory(@TempDir Path dir) throws Exception {
    Map<String, String> data =
        h.client.configMaps().inNamespace("shop").withName("apitoken-trust").get().getData();
    for (Map.Entry<String, String> f : data.entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue());
    }
    PluginHarness.Result r =
        h.runWithInput(Shop.ORDERS_TOKEN, "verify", "--trust-dir", dir.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("verdict:         VALID", "trust:           " + dir);
  }

  @Test
  void verifyWithoutATrustCopyInTheNamespaceExitsNotFound() {
    PluginHarness.Result r = h.runWithInput(Shop.ORDERS_TOKEN, "verify", "-n", "billing");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(r.err())
        .isEqualTo(
            "error: no trust ConfigMap billing/apitoken-trust (is the namespace a target of the"
                + " operator? else use -n apitoken-system, --trust-dir or --trust-url)\n");
  }

  @Test
  void verifyWithoutRbacToReadTheSecretSaysWhatWasRefused() {
    h.forbid(PluginHarness.method("GET", "/secrets/orders-token"));
    PluginHarness.Result r = h.run("verify", "--secret", "orders-token", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err())
        .startsWith("error: forbidden: you cannot get secrets orders-token in namespace shop");
  }

  @Test
  void help() {
    for (String command : new String[] {"inspect", "verify"}) {
      PluginHarness.Result r = h.run(command, "--help");
      assertThat(r.code()).as(command).isEqualTo(ExitCodes.OK);
      assertThat(r.out()).contains("Usage: kubectl apitoken " + command, "never");
    }
  }
}
