package dev.apitoken.kubectl;

import static dev.apitoken.kubectl.PluginHarness.assertGolden;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KeysCommandTest {
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

  private Map<String, String> keyRingAnnotations() {
    return h.client
        .secrets()
        .inNamespace(Shop.OPERATOR_NS)
        .withName("apitoken-signing-keys")
        .get()
        .getMetadata()
        .getAnnotations();
  }

  @Test
  void listsTheKeyRingWithoutPrivateMaterial() {
    PluginHarness.Result r = h.run("keys");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("keys/table.txt", r.out());
    for (String format : new String[] {"json", "yaml"}) {
      PluginHarness.Result doc = h.run("keys", "-o", format);
      assertGolden("keys/keys." + format, doc.out());
      assertThat(doc.out() + doc.err())
          .doesNotContain(Shop.PRIVATE_MATERIAL)
          .doesNotContain(Shop.b64(Shop.PRIVATE_MATERIAL))
          .doesNotContain("keyring.json");
    }
  }

  @Test
  void withoutRbacToTheKeyRingSecretListsThePublishedKeys() {
    h.forbid(PluginHarness.method("GET", "/secrets/apitoken-signing-keys"));
    PluginHarness.Result r = h.run("keys");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("keys/published-only.txt", r.out());
    assertThat(r.err())
        .startsWith("note: forbidden: you cannot get secrets apitoken-signing-keys")
        .endsWith("showing the published keys only\n");
  }

  @Test
  void keysRevokeRequestsTheRevocationOnTheKeyRingSecret() {
    PluginHarness.Result r = h.run("keys", "revoke", Shop.ACTIVE.kid());
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertGolden("keys/revoke.txt", r.out());
    assertThat(keyRingAnnotations()).containsEntry("apitoken.dev/revoke-kids", Shop.ACTIVE.kid());
    // The request patches annotations only, guarded by the resourceVersion read.
    String body =
        h.requests.stream()
            .filter(q -> q.method().equals("PATCH"))
            .findFirst()
            .orElseThrow()
            .body();
    assertThat(body).contains("\"resourceVersion\"").doesNotContain("\"data\"");

    PluginHarness.Result second = h.run("keys", "revoke", Shop.NEXT.kid());
    assertThat(second.code()).isEqualTo(ExitCodes.OK);
    assertThat(keyRingAnnotations())
        .containsEntry("apitoken.dev/revoke-kids", Shop.ACTIVE.kid() + "," + Shop.NEXT.kid());

    PluginHarness.Result listed = h.run("keys");
    assertGolden("keys/revocation-requested.txt", listed.out());
  }

  @Test
  void keysRevokeOfAnUnknownKidExitsNotFound() {
    PluginHarness.Result r = h.run("keys", "revoke", "no-such-kid");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(r.err())
        .isEqualTo(
            "error: no key no-such-kid in the key ring or the published JWKS (see 'kubectl"
                + " apitoken keys')\n");
    assertThat(keyRingAnnotations()).doesNotContainKey("apitoken.dev/revoke-kids");
  }

  @Test
  void keysRevokeOfARevokedKidSaysSo() {
    PluginHarness.Result r = h.run("keys", "revoke", "old-compromised-kid");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .isEqualTo("key old-compromised-kid is already revoked (at 2025-12-01T10:00:00Z)\n");
  }

  @Test
  void keysRevokeWithoutRbacToPatchTheSecretSaysWhatWasRefused() {
    h.forbid(PluginHarness.method("PATCH", "/secrets/apitoken-signing-keys"));
    PluginHarness.Result r = h.run("keys", "revoke", Shop.ACTIVE.kid());
    assertThat(r.code()).isEqualTo(ExitCodes.ERROR);
    assertGolden("keys/revoke-forbidden.err", r.err());
  }

  @Test
  void keysRevokeDryRunWritesNothing() {
    PluginHarness.Result r = h.run("keys", "revoke", Shop.ACTIVE.kid(), "--dry-run", "-o", "json");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertGolden("keys/revoke-dry-run.json", r.out());
    assertThat(keyRingAnnotations()).doesNotContainKey("apitoken.dev/revoke-kids");
  }

  @Test
  void help() {
    assertThat(h.run("keys", "--help").out()).contains("Usage: kubectl apitoken keys");
    PluginHarness.Result r = h.run("keys", "revoke", "--help");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("Usage: kubectl apitoken keys revoke", "cluster admins only");
  }
}
