package dev.apitoken.operator.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.format.TokenClaims;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.TokenSigner;
import dev.apitoken.verifier.KubeletVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Go, Python and Node recipes of examples/recipes/, run as the CLI a user would run, judge
 * tokens the operator issued against the trust ConfigMap it published, mounted the way the kubelet
 * mounts it, and follow that mount across a revocation without being restarted.
 *
 * <p>The recipes read the real clock, so the operator's clock starts two hours back: the trust copy
 * published then is the stale one (its Status List Token expired an hour ago); then the clock jumps
 * to now and the heartbeat re-signs it.
 */
@EnableKubernetesMockClient(crud = true)
class RecipesVerifyOperatorTokensTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APPS = "apps";
  private static final String AUDIENCE = "orders";
  private static final Path ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath();
  private static final String JWT_FILE = TrustDocument.statusListTokenKey(0);

  static KubernetesClient client;
  private static RunningOperator operator;
  private static Instant now;
  private static Map<String, String> staleTrust;
  private static ApiToken kept;
  private static String keptToken;
  private static String otherAudienceToken;
  private static String foreignKeyToken;
  // One token per recipe, each revoked while its recipe runs.
  private static final Map<Recipe, String> leakedTokens = new EnumMap<>(Recipe.class);

  @TempDir Path workDir;

  @BeforeAll
  static void issueTokensAndPublishTrustTwoHoursApart() throws Exception {
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    MutableClock clock = new MutableClock(now.minus(Duration.ofHours(2)));
    operator = new RunningOperator(client, clock);
    operator.start();
    operator.create(
        ApiTokens.named("kept").in(APPS).audiences(AUDIENCE).scopes("orders:read").build());
    operator.create(ApiTokens.named("elsewhere").in(APPS).audiences("billing").build());
    for (Recipe recipe : Recipe.values()) {
      operator.create(ApiTokens.named(leakedName(recipe)).in(APPS).audiences(AUDIENCE).build());
    }
    kept = operator.awaitReady(APPS, "kept");
    keptToken = operator.tokenValue(APPS, kept.getStatus().getSecretName());
    ApiToken elsewhere = operator.awaitReady(APPS, "elsewhere");
    otherAudienceToken = operator.tokenValue(APPS, elsewhere.getStatus().getSecretName());
    for (Recipe recipe : Recipe.values()) {
      ApiToken leaked = operator.awaitReady(APPS, leakedName(recipe));
      leakedTokens.put(recipe, operator.tokenValue(APPS, leaked.getStatus().getSecretName()));
    }
    staleTrust = trustOnceSigned(clock.instant());

    clock.set(now);
    trustOnceSigned(now); // the heartbeat re-signed the list at the new time

    // Same claims as the kept token, signed by a key the operator never published.
    JsonNode claims = payload(keptToken);
    TokenClaims forged =
        new TokenClaims(
            operator.config().issuer(),
            claims.path("sub").asText(),
            List.of(AUDIENCE),
            List.of("orders:read"),
            now.minusSeconds(60),
            now.minusSeconds(60),
            now.plus(Duration.ofHours(1)),
            "AAECAwQFBgcICQoLDA0ODw",
            claims.path("status").path("status_list").path("idx").asLong(),
            claims.path("status").path("status_list").path("uri").asText());
    foreignKeyToken =
        TokenSigner.sign(forged, KeyRing.create(now, new SecureRandom()).activeKey()).value();
  }

  @AfterAll
  static void stop() {
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  @ParameterizedTest
  @EnumSource(Recipe.class)
  void recipeJudgesOperatorTokensLikeTheJavaVerifierAndFollowsTheMount(Recipe recipe)
      throws Exception {
    Recipe.Command command = recipe.prepare(ROOT, workDir);
    String leakedName = leakedName(recipe);
    String leakedToken = leakedTokens.get(recipe);

    KubeletVolume volume = new KubeletVolume(Files.createTempDirectory(workDir, "recipe-trust-"));
    try (RecipeCli cli = startWith(recipe, command, volume, staleTrust)) {
      assertThat(cli.verify(keptToken).path("reason").asText())
          .as("a Status List Token past its exp")
          .isEqualTo("STATUS_STALE");

      Map<String, String> unsignedOnly = new HashMap<>(currentTrust());
      unsignedOnly.remove(JWT_FILE);
      volume.publish(unsignedOnly);
      assertThat(cli.verify(keptToken).path("reason").asText())
          .as("only the unsigned status-list.json, which is never trusted")
          .isEqualTo("STATUS_LIST_MISSING");

      volume.publish(currentTrust());
      JsonNode accepted = cli.verify(keptToken);
      assertThat(accepted.path("valid").asBoolean()).as(accepted.toString()).isTrue();
      assertThat(accepted.path("sub").asText()).isEqualTo(kept.getSpec().getSubject());
      assertThat(accepted.path("aud")).containsExactly(JSON.valueToTree(AUDIENCE));
      assertThat(accepted.path("scope").asText()).isEqualTo("orders:read");
      assertThat(accepted.path("jti").asText()).isEqualTo(kept.getStatus().getJti());
      assertThat(accepted.path("kid").asText()).isEqualTo(kept.getStatus().getKeyId());
      assertThat(accepted.path("status_idx").asLong())
          .isEqualTo(kept.getStatus().getStatusListIndex());
      assertThat(cli.verify(leakedToken).path("valid").asBoolean()).isTrue();
      assertThat(reasons(cli, otherAudienceToken, tampered(), foreignKeyToken, "not.a.token"))
          .containsExactly("WRONG_AUDIENCE", "BAD_SIGNATURE", "UNKNOWN_KEY", "MALFORMED");

      revoke(leakedName);
      volume.publish(currentTrust());
      assertThat(reasons(cli, leakedToken, keptToken))
          .as("the revocation, read by the same process after the mount changed")
          .containsExactly("REVOKED", "VALID");

      volume.publish(staleTrust);
      assertThat(reasons(cli, leakedToken, keptToken))
          .as("a mount rolled back to an older list keeps the newer list by iat")
          .containsExactly("REVOKED", "VALID");
      assertThat(cli.isAlive()).isTrue();
      assertThat(cli.stderr()).doesNotContain(keptToken, leakedToken);
    }

    KubeletVolume other = new KubeletVolume(Files.createTempDirectory(workDir, "recipe-trust-"));
    other.publish(currentTrust());
    try (RecipeCli cli =
        RecipeCli.start(recipe, command, other.dir(), "https://someone-else.example", AUDIENCE)) {
      assertThat(reasons(cli, keptToken)).containsExactly("WRONG_ISSUER");
    }
  }

  private static String leakedName(Recipe recipe) {
    return "leaked-" + recipe.name().toLowerCase(Locale.ROOT);
  }

  private static RecipeCli startWith(
      Recipe recipe, Recipe.Command command, KubeletVolume volume, Map<String, String> trust)
      throws Exception {
    volume.publish(trust);
    return RecipeCli.start(recipe, command, volume.dir(), operator.config().issuer(), AUDIENCE);
  }

  /** "VALID" or the rejection reason of each token, in order. */
  private static List<String> reasons(RecipeCli cli, String... tokens) throws Exception {
    List<String> reasons = new ArrayList<>();
    for (String token : tokens) {
      JsonNode verdict = cli.verify(token);
      reasons.add(verdict.path("valid").asBoolean() ? "VALID" : verdict.path("reason").asText());
    }
    return reasons;
  }

  /** The kept token's header and signature around another token's payload (another audience). */
  private static String tampered() {
    String[] parts = keptToken.split("\\.");
    return parts[0] + "." + otherAudienceToken.split("\\.")[1] + "." + parts[2];
  }

  private static void revoke(String name) {
    client
        .resources(ApiToken.class)
        .inNamespace(APPS)
        .withName(name)
        .edit(
            token -> {
              token.getSpec().setRevoked(true);
              return token;
            });
    operator.awaitCondition(APPS, name, Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
  }

  private static Map<String, String> currentTrust() {
    return Map.copyOf(operator.trustConfigMap().getData());
  }

  /** The trust copy once its Status List Token was signed at {@code issuedAt}. */
  private static Map<String, String> trustOnceSigned(Instant issuedAt) {
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              var map = operator.trustConfigMap();
              String jwt = map == null ? null : map.getData().get(JWT_FILE);
              return jwt != null && payload(jwt).path("iat").asLong() == issuedAt.getEpochSecond();
            });
    return currentTrust();
  }

  private static JsonNode payload(String jws) throws IOException {
    return JSON.readTree(Base64.getUrlDecoder().decode(jws.split("\\.")[1]));
  }
}
