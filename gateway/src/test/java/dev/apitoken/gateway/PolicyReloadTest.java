package dev.apitoken.gateway;

import static dev.apitoken.gateway.GatewayFixture.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy file follows edits and ConfigMap swaps; a bad version keeps the previous one. */
class PolicyReloadTest {
  static final String ADMIN_DENIED =
      """
      routes:
        - pathPrefix: /admin
          deny: true
      """;
  static final String ADMIN_ANONYMOUS =
      """
      routes:
        - pathPrefix: /admin
          anonymous: true
      """;

  @TempDir Path dir;
  private GatewayFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = new GatewayFixture(dir).publishTrust();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private int adminStatus() {
    return fixture.nginx("https://x.test/admin", null).statusCode();
  }

  @Test
  void aConfigMapSymlinkSwapIsFollowed() throws Exception {
    fixture.startWithPolicy(ADMIN_DENIED);
    assertThat(adminStatus()).isEqualTo(403);

    fixture.publishPolicy(ADMIN_ANONYMOUS);

    await().atMost(GatewayFixture.WITHIN_SECONDS).until(() -> adminStatus() == 200);
    assertThat(fixture.metrics())
        .contains("apitoken_gateway_policy_reloads_total{outcome=\"succeeded\"} 1");
  }

  @Test
  void aFileRewrittenInPlaceIsFollowed() throws Exception {
    Path file = Files.writeString(dir.resolve("plain-policy.yaml"), ADMIN_DENIED);
    fixture.start(fixture.config().policyFile(file).build());
    assertThat(adminStatus()).isEqualTo(403);

    Files.writeString(file, ADMIN_ANONYMOUS);

    await().atMost(GatewayFixture.WITHIN_SECONDS).until(() -> adminStatus() == 200);
  }

  @Test
  void aBadVersionKeepsThePreviousPolicyIsCountedAndShownButReadinessHolds() throws Exception {
    fixture.startWithPolicy(ADMIN_DENIED);

    fixture.publishPolicy(ADMIN_DENIED.replace("deny:", "dney:"));

    await()
        .atMost(GatewayFixture.WITHIN_SECONDS)
        .until(
            () ->
                fixture
                    .metrics()
                    .contains("apitoken_gateway_policy_reloads_total{outcome=\"failed\"} 1"));
    assertThat(adminStatus()).isEqualTo(403);
    var readiness = fixture.management("/readyz");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body())
        .contains("policy change refused")
        .contains("previous policy kept")
        .contains("unknown key \"dney\" at routes[0]");

    // Counted once per bad version, not once per poll; a good version then applies.
    fixture.publishPolicy(ADMIN_ANONYMOUS);
    await().atMost(GatewayFixture.WITHIN_SECONDS).until(() -> adminStatus() == 200);
    assertThat(fixture.metrics())
        .contains("apitoken_gateway_policy_reloads_total{outcome=\"failed\"} 1")
        .contains("apitoken_gateway_policy_reloads_total{outcome=\"succeeded\"} 1");
    assertThat(fixture.management("/readyz").body()).contains("policy reloaded from");
  }

  @Test
  void aDeletedFileKeepsThePreviousPolicyUntilANewFileTakesItsPlace() throws Exception {
    Path file = Files.writeString(dir.resolve("plain-policy.yaml"), ADMIN_DENIED);
    fixture.start(fixture.config().policyFile(file).build());

    Files.delete(file);

    await()
        .atMost(GatewayFixture.WITHIN_SECONDS)
        .until(() -> fixture.management("/readyz").body().contains("cannot read"));
    assertThat(adminStatus()).isEqualTo(403);
    assertThat(fixture.nginx("https://x.test/orders", token(3)).statusCode()).isEqualTo(200);

    // As an editor saves: a new file renamed over the path.
    Path saved = Files.writeString(dir.resolve("plain-policy.yaml.tmp"), ADMIN_ANONYMOUS);
    Files.move(saved, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    await().atMost(GatewayFixture.WITHIN_SECONDS).until(() -> adminStatus() == 200);
  }

  @Test
  void anUnusablePolicyAtStartStopsTheStartNamingTheKey() throws Exception {
    fixture.publishPolicy("routes:\n  - pathPrefx: /a\n");

    assertThatThrownBy(
            () -> fixture.start(fixture.config().policyFile(fixture.policyFile()).build()))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("unknown key \"pathPrefx\"");
    assertThatThrownBy(
            () -> fixture.start(fixture.config().policyFile(dir.resolve("missing.yaml")).build()))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("cannot read policy file");
  }
}
