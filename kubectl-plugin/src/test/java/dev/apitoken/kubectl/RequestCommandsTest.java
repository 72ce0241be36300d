package dev.apitoken.kubectl;

import static dev.apitoken.kubectl.PluginHarness.assertGolden;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** renew, revoke and rotate: the request each writes to the ApiToken, and what they print. */
class RequestCommandsTest {
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

  private String patchBody() {
    return h.requests.stream()
        .filter(r -> r.method().equals("PATCH"))
        .reduce((a, b) -> b)
        .map(r -> r.body() + " (" + r.contentType() + ")")
        .orElse("no PATCH sent");
  }

  private long patches() {
    return h.requests.stream().filter(r -> r.method().equals("PATCH")).count();
  }

  @Test
  void renewSetsTheRenewRequestAnnotationToNow() {
    PluginHarness.Result r = h.run("renew", "orders", "-n", "shop");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("renew/orders.txt", r.out());
    JsonNode token = h.apiToken("shop", "orders");
    assertThat(
            token
                .path("metadata")
                .path("annotations")
                .path("apitoken.dev/renew-requested-at")
                .asText())
        .isEqualTo("2026-01-01T00:00:00Z");
    // Only the annotation: the spec (GitOps-owned) is untouched.
    assertThat(token.path("spec").path("subject").asText()).isEqualTo("orders-api");
    assertThat(patchBody())
        .isEqualTo(
            "{\"metadata\":{\"annotations\":{\"apitoken.dev/renew-requested-at\":"
                + "\"2026-01-01T00:00:00Z\"}}} (application/merge-patch+json)");
  }

  @Test
  void renewOfARevokedApiTokenIsRefused() {
    PluginHarness.Result r = h.run("renew", "legacy", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err())
        .isEqualTo(
            "error: ApiToken shop/legacy is revoked: a revoked ApiToken is never reissued\n");
    assertThat(patches()).isZero();
  }

  @Test
  void renewOfAMissingApiTokenExitsNotFound() {
    PluginHarness.Result r = h.run("renew", "nope", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(r.err()).isEqualTo("error: ApiToken shop/nope not found\n");
  }

  @Test
  void renewDryRunPrintsThePatchAndWritesNothing() {
    PluginHarness.Result r = h.run("renew", "orders", "-n", "shop", "--dry-run");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("renew/dry-run.txt", r.out());
    assertThat(patches()).isZero();
    assertThat(
            h.apiToken("shop", "orders")
                .path("metadata")
                .path("annotations")
                .has("apitoken.dev/renew-requested-at"))
        .isFalse();
  }

  @Test
  void renewPrintsTheRequestAsJson() {
    PluginHarness.Result r = h.run("renew", "orders", "-n", "shop", "-o", "json");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("renew/orders.json", r.out());
  }

  @Test
  void renewWithoutRbacToPatchSaysWhatWasRefused() {
    h.forbid(PluginHarness.method("PATCH", "/apitokens/orders"));
    PluginHarness.Result r = h.run("renew", "orders", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertGolden("renew/forbidden.err", r.err());
  }

  @Test
  void revokeSetsRevokedAndTheReason() {
    PluginHarness.Result r =
        h.run("revoke", "orders", "-n", "shop", "--reason", "token pasted in a ticket");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("revoke/now.txt", r.out());
    JsonNode spec = h.apiToken("shop", "orders").path("spec");
    assertThat(spec.path("revoked").asBoolean()).isTrue();
    assertThat(spec.path("revocationReason").asText()).isEqualTo("token pasted in a ticket");
    assertThat(spec.has("revokeAt")).isFalse();
  }

  @Test
  void revokeAtSchedulesTheRevocation() {
    PluginHarness.Result r =
        h.run(
            "revoke",
            "orders",
            "-n",
            "shop",
            "--reason",
            "service retired",
            "--at",
            "2026-03-01T12:00:00+01:00");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden(
        "revoke/at.yaml",
        h.run(
                "revoke",
                "invoices",
                "-n",
                "billing",
                "--reason",
                "x",
                "--at",
                "2026-03-01T11:00:00Z",
                "--dry-run",
                "-o",
                "yaml")
            .out());
    JsonNode spec = h.apiToken("shop", "orders").path("spec");
    assertThat(spec.path("revokeAt").asText()).isEqualTo("2026-03-01T11:00:00Z");
    assertThat(spec.path("revocationReason").asText()).isEqualTo("service retired");
    assertThat(spec.has("revoked")).isFalse();
  }

  @Test
  void revokeNeedsAReason() {
    PluginHarness.Result r = h.run("revoke", "orders", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("Missing required option: '--reason=TEXT'");
    assertThat(patches()).isZero();
  }

  @Test
  void revokeAtAMalformedTimeIsAUsageError() {
    PluginHarness.Result r =
        h.run("revoke", "orders", "-n", "shop", "--reason", "x", "--at", "tomorrow");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .isEqualTo(
            "error: --at takes an RFC 3339 time such as 2026-03-01T00:00:00Z, not 'tomorrow'\n");
    assertThat(patches()).isZero();
  }

  @Test
  void revokeOfARevokedApiTokenSaysSoAndWritesNothing() {
    PluginHarness.Result r = h.run("revoke", "legacy", "-n", "shop", "--reason", "again");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .isEqualTo("apitoken shop/legacy is already revoked (at 2025-12-31T23:00:00Z)\n");
    assertThat(patches()).isZero();
  }

  @Test
  void rotateRevokesPreviousTokensWithAGracePeriod() {
    PluginHarness.Result r =
        h.run("rotate", "orders", "-n", "shop", "--revoke-previous", "--grace", "10m");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("rotate/grace.txt", r.out());
    JsonNode spec = h.apiToken("shop", "orders").path("spec");
    assertThat(spec.path("revokeIssuedBefore").asText()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(spec.path("revokeIssuedBeforeGracePeriod").asText()).isEqualTo("10m");
    assertThat(patchBody())
        .isEqualTo(
            "{\"spec\":{\"revokeIssuedBefore\":\"2026-01-01T00:00:00Z\","
                + "\"revokeIssuedBeforeGracePeriod\":\"10m\"}} (application/merge-patch+json)");
  }

  @Test
  void rotateWithoutGraceRemovesAnEarlierGracePeriod() {
    PluginHarness.Result r = h.run("rotate", "orders", "-n", "shop", "--revoke-previous");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("rotate/no-grace.txt", r.out());
    JsonNode spec = h.apiToken("shop", "orders").path("spec");
    assertThat(spec.path("revokeIssuedBefore").asText()).isEqualTo("2026-01-01T00:00:00Z");
    // JSON merge patch (RFC 7386): null removes the field on the API server (the mock API keeps
    // an explicit null, which the operator reads as unset too).
    assertThat(
            spec.path("revokeIssuedBeforeGracePeriod").isNull()
                || spec.path("revokeIssuedBeforeGracePeriod").isMissingNode())
        .isTrue();
    assertThat(patchBody()).contains("\"revokeIssuedBeforeGracePeriod\":null");
  }

  @Test
  void rotateNeedsRevokePrevious() {
    PluginHarness.Result r = h.run("rotate", "orders", "-n", "shop");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("Missing required option: '--revoke-previous'");
  }

  @Test
  void rotateRefusesAGracePeriodTheCrdWouldRefuse() {
    PluginHarness.Result r =
        h.run("rotate", "orders", "-n", "shop", "--revoke-previous", "--grace", "10 minutes");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--grace takes a duration");
    assertThat(patches()).isZero();
  }

  @Test
  void rotatePrintsTheRequestAsYaml() {
    PluginHarness.Result r =
        h.run("rotate", "orders", "-n", "shop", "--revoke-previous", "--grace", "1h", "-o", "yaml");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("rotate/grace.yaml", r.out());
  }

  @Test
  void everyRequestCommandHasHelp() {
    for (String command : new String[] {"renew", "revoke", "rotate"}) {
      PluginHarness.Result r = h.run(command, "--help");
      assertThat(r.code()).as(command).isEqualTo(ExitCodes.OK);
      assertThat(r.out()).contains("Usage: kubectl apitoken " + command, "Exit codes:");
    }
  }
}
