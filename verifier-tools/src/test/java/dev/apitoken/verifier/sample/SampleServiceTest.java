package dev.apitoken.verifier.sample;

import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.http.Slowloris;
import dev.apitoken.verifier.KubeletVolume;
import dev.apitoken.verifier.MutableClock;
import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The sample service over real HTTP, with a trust directory laid out like a kubelet volume. */
class SampleServiceTest {
  static final TestKey KEY = TestKey.fromSeed(7);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final long REVOKED_INDEX = 5;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final List<String> usage = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private KubeletVolume volume;
  private TokenVerifier verifier;
  private SampleService service;

  @BeforeEach
  void start() throws IOException {
    volume = new KubeletVolume(dir);
    volume.publish(trust(REVOKED_INDEX));
    verifier =
        TokenVerifier.builder()
            .trustDirectory(dir)
            .allowUnsignedStatusList()
            .expectedIssuer(ISSUER)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .listener(new UsageLog(usage::add))
            .build();
    service = SampleService.start(verifier, 0);
  }

  @AfterEach
  void stop() {
    service.close();
    verifier.close();
  }

  private static Map<String, String> trust(long... revoked) {
    return Map.of(
        "jwks.json", TestKey.jwks(KEY), "status-list.json", TokenFactory.statusListJson(revoked));
  }

  @Test
  void validTokenAnswers200WithSubjectScopesAndJti() throws Exception {
    String token = TOKENS.token(claims(3));

    HttpResponse<String> response = get("/orders/42", "Bearer " + token);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("subject").asText()).isEqualTo("system:serviceaccount:shop:checkout");
    assertThat(body.get("scopes"))
        .extracting(JsonNode::asText)
        .containsExactly("orders:read", "orders:write");
    assertThat(body.get("jti").asText()).isEqualTo("AAECAwQFBgcICQoLDA0ODw");
    assertThat(usage)
        .containsExactly(
            "usage verdict=VALID sub=system:serviceaccount:shop:checkout"
                + " jti=AAECAwQFBgcICQoLDA0ODw kid="
                + KEY.kid());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("withoutABearerToken")
  void requestWithoutABearerTokenGetsABareChallenge(String name, String authorization)
      throws Exception {
    HttpResponse<String> response = get("/", authorization);

    assertThat(response.statusCode()).isEqualTo(401);
    // RFC 6750 section 3.1: no error code when the request carried no credentials at all.
    assertThat(response.headers().allValues("WWW-Authenticate"))
        .containsExactly("Bearer realm=\"apitoken-sample\"");
    assertThat(JSON.readTree(response.body()).get("reason").asText()).isEqualTo("NO_TOKEN");
  }

  static Stream<Arguments> withoutABearerToken() {
    return Stream.of(
        Arguments.of("missing header", null),
        Arguments.of("basic scheme", "Basic dXNlcjpwYXNz"),
        Arguments.of("scheme without token", "Bearer"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejectedTokens")
  void invalidTokenAnswers401WithTheReason(String reason, String token) throws Exception {
    HttpResponse<String> response = get("/", "Bearer " + token);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate"))
        .containsExactly("Bearer error=\"invalid_token\", error_description=\"" + reason + "\"");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("error").asText()).isEqualTo("invalid_token");
    assertThat(body.get("reason").asText()).isEqualTo(reason);
    assertThat(response.body()).doesNotContain(token);
    assertThat(usage).singleElement().asString().contains("verdict=REJECTED reason=" + reason);
  }

  static Stream<Arguments> rejectedTokens() {
    TokenFactory stranger = new TokenFactory(TestKey.fromSeed(8));
    return Stream.of(
        Arguments.of("MALFORMED", "garbage"),
        Arguments.of("UNKNOWN_KEY", stranger.token(claims(3))),
        Arguments.of("WRONG_ISSUER", TOKENS.token(claims(3).set("iss", "https://evil.example"))),
        Arguments.of("EXPIRED", TOKENS.token(claims(3).set("exp", NOW.getEpochSecond() - 3600))),
        Arguments.of("STATUS_UNKNOWN", TOKENS.token(claims(1_000_000))),
        Arguments.of("REVOKED", TOKENS.token(claims(REVOKED_INDEX))));
  }

  @Test
  void revokedTokenNamesItsJtiButNeverEchoesTheToken() throws Exception {
    String token = TOKENS.token(claims(REVOKED_INDEX));

    HttpResponse<String> response = get("/", "Bearer " + token);

    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("description").asText()).isEqualTo("the token has been revoked");
    assertThat(body.get("jti").asText()).isEqualTo("AAECAwQFBgcICQoLDA0ODw");
    String signature = token.substring(token.lastIndexOf('.') + 1);
    assertThat(usage).noneMatch(line -> line.contains(signature));
  }

  @Test
  void revocationArrivingBySymlinkSwapIsEnforcedWithinASecond() throws Exception {
    String token = TOKENS.token(claims(3));
    assertThat(get("/", "Bearer " + token).statusCode()).isEqualTo(200);

    volume.publish(trust(REVOKED_INDEX, 3));

    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              HttpResponse<String> response = get("/", "Bearer " + token);
              assertThat(response.statusCode()).isEqualTo(401);
              assertThat(response.headers().firstValue("WWW-Authenticate"))
                  .contains("Bearer error=\"invalid_token\", error_description=\"REVOKED\"");
            });
  }

  @Test
  void healthzAnswersAtOnceAndReadyzOnlyOnceTrustIsLoaded() throws Exception {
    try (SampleService waiting = SampleService.listen(0)) {
      assertThat(get(waiting, "/healthz", null).statusCode()).isEqualTo(200);
      assertThat(get(waiting, "/readyz", null).statusCode()).isEqualTo(503);
      HttpResponse<String> early = get(waiting, "/", "Bearer " + TOKENS.token(claims(3)));
      assertThat(early.statusCode()).isEqualTo(503);
      assertThat(early.headers().firstValue("Retry-After")).isPresent();

      waiting.serve(verifier);

      HttpResponse<String> ready = get(waiting, "/readyz", null);
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains(KEY.kid());
      assertThat(get(waiting, "/", "Bearer " + TOKENS.token(claims(3))).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void readyzStaysUpWithThePreviousTrustWhenAReloadFails() throws Exception {
    volume.publish(Map.of("jwks.json", "{\"keys\":[", "status-list.json", "{}"));
    await().atMost(Duration.ofSeconds(1)).until(() -> verifier.failedReloads() > 0);

    HttpResponse<String> ready = get("/readyz", null);

    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).startsWith("ready with the previous trust; the last reload failed");
    assertThat(get("/", "Bearer " + TOKENS.token(claims(3))).statusCode()).isEqualTo(200);
  }

  @Test
  void onlyGetAndHeadAreAllowed() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri(service, "/"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Authorization", "Bearer " + TOKENS.token(claims(3)))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).contains("GET, HEAD");
  }

  @Test
  void bearerSchemeIsCaseInsensitive() {
    assertThat(SampleService.bearerToken("bEaReR abc")).isEqualTo("abc");
    assertThat(SampleService.bearerToken("Bearer   abc ")).isEqualTo("abc");
    assertThat(SampleService.bearerToken("Bearerabc")).isNull();
    assertThat(SampleService.bearerToken("Token abc")).isNull();
  }

  @Test
  void readyzFailsWhileTheSignedStatusListIsStaleAndTokensFailClosed() throws Exception {
    Path signedDir = dir.resolve("signed");
    java.nio.file.Files.createDirectory(signedDir);
    KubeletVolume signed = new KubeletVolume(signedDir);
    signed.publish(signedTrust(NOW.getEpochSecond() - 60));
    MutableClock clock = new MutableClock(NOW);
    List<String> lines = new CopyOnWriteArrayList<>();
    try (TokenVerifier stalling =
            TokenVerifier.builder()
                .trustDirectory(signedDir)
                .expectedIssuer(ISSUER)
                .clock(clock)
                .listener(new UsageLog(lines::add))
                .pollInterval(Duration.ofMillis(50))
                .build();
        SampleService served = SampleService.start(stalling, 0)) {
      String token = TOKENS.token(claims(3));
      assertThat(get(served, "/readyz", null).statusCode()).isEqualTo(200);
      assertThat(get(served, "/orders", "Bearer " + token).statusCode()).isEqualTo(200);

      clock.advance(Duration.ofHours(1)); // past the list's exp (iat + 1 h)

      HttpResponse<String> notReady = get(served, "/readyz", null);
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).contains("not ready").contains("is stale");
      HttpResponse<String> refused = get(served, "/orders", "Bearer " + token);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(JSON.readTree(refused.body()).get("reason").asText()).isEqualTo("STATUS_STALE");
      assertThat(lines).last().asString().contains("reason=STATUS_STALE");

      signed.publish(signedTrust(clock.instant().getEpochSecond() - 5));

      await()
          .atMost(Duration.ofSeconds(2))
          .untilAsserted(
              () -> assertThat(get(served, "/readyz", null).statusCode()).isEqualTo(200));
      assertThat(get(served, "/orders", "Bearer " + token).statusCode()).isEqualTo(200);
    }
  }

  private static Map<String, String> signedTrust(long iat) {
    return Map.of(
        "jwks.json",
        TestKey.jwks(KEY),
        "status-list.jwt",
        StatusListTokenWriter.sign(
            KEY, TokenFactory.STATUS_URI, iat, StatusListTokenWriter.list(REVOKED_INDEX)));
  }

  /** Issue 22: slow request heads hold no request thread of the sample service either. */
  @Test
  void aThousandSlowClientsDelayNoWellBehavedRequest() throws Exception {
    try (Slowloris attack = Slowloris.open(service.port(), 1_000)) {
      Duration slowest = attack.slowestOf(10, 200, () -> get("/healthz", null).statusCode());
      System.out.printf(
          "sample service under 1,000 slowloris connections: slowest %d ms%n", slowest.toMillis());
      assertThat(slowest).isLessThan(Duration.ofSeconds(2));
    }
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    return get(service, path, authorization);
  }

  private HttpResponse<String> get(SampleService target, String path, String authorization)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(target, path)).GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(SampleService target, String path) {
    return URI.create("http://127.0.0.1:" + target.port() + path);
  }
}
