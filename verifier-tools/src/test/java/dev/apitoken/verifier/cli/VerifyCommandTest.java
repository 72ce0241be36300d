package dev.apitoken.verifier.cli;

import static dev.apitoken.verifier.HostileText.HOSTILE_KID;
import static dev.apitoken.verifier.HostileText.assertSafe;
import static dev.apitoken.verifier.HostileText.tokenWithKid;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.verifier.StatusListTokenWriter;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.http.FakeProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {
  static final TestKey KEY = TestKey.fromSeed(1);
  static final TokenFactory TOKENS = new TokenFactory(KEY);

  @TempDir Path trustDir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void writeTrust() throws IOException {
    Files.writeString(trustDir.resolve("jwks.json"), TestKey.jwks(KEY));
    // The JSON form beside the signed one, as the operator writes both: the .jwt is what counts.
    Files.writeString(trustDir.resolve("status-list.json"), TokenFactory.statusListJson());
    Files.writeString(
        trustDir.resolve("status-list.jwt"),
        StatusListTokenWriter.sign(
            KEY,
            TokenFactory.STATUS_URI,
            Instant.now().getEpochSecond() - 5,
            StatusListTokenWriter.list(7)));
  }

  /** Claims valid now, since the command uses the system clock. */
  private static TokenFactory.Claims current(long idx) {
    long now = Instant.now().getEpochSecond();
    return claims(idx).set("iat", now - 60).set("nbf", now - 60).set("exp", now + 600);
  }

  private int run(String stdin, String... args) {
    return VerifyCommand.run(
        args,
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsTheClaimsOfAValidTokenAndExitsZero() {
    String token = TOKENS.token(current(3));

    int code =
        run(
            "\n  " + token + "  \n",
            "verify",
            "--trust-dir",
            trustDir.toString(),
            "--issuer",
            TokenFactory.ISSUER,
            "--audience",
            TokenFactory.AUDIENCE,
            "--leeway",
            "10s");

    assertThat(code).isEqualTo(VerifyCommand.VALID);
    assertThat(out())
        .contains("verdict     VALID")
        .contains("subject     system:serviceaccount:shop:checkout")
        .contains("scopes      orders:read orders:write")
        .contains("jti         AAECAwQFBgcICQoLDA0ODw")
        .contains("status      idx 3 in " + TokenFactory.STATUS_URI)
        .contains("kid         " + KEY.kid());
    assertNeverEchoes(token);
  }

  @Test
  void printsTheReasonOfARejectionAndExitsOne() {
    String token = TOKENS.token(current(7));

    int code = run(token, "verify", "--trust-dir=" + trustDir, "--issuer=" + TokenFactory.ISSUER);

    assertThat(code).isEqualTo(VerifyCommand.REJECTED);
    assertThat(out()).contains("verdict     REJECTED").contains("reason      REVOKED");
    assertThat(out()).contains("jti         AAECAwQFBgcICQoLDA0ODw");
    assertNeverEchoes(token);
  }

  @Test
  void wrongIssuerAndGarbageAreRejected() {
    String token = TOKENS.token(current(3));
    assertThat(run(token, "verify", "--trust-dir", trustDir.toString(), "--issuer", "other"))
        .isEqualTo(VerifyCommand.REJECTED);
    assertThat(out()).contains("WRONG_ISSUER");
    assertThat(run("garbage", "verify", "--trust-dir", trustDir.toString()))
        .isEqualTo(VerifyCommand.REJECTED);
    assertThat(out()).contains("MALFORMED").doesNotContain("garbage");
  }

  @Test
  void withoutIssuerSaysItIsNotChecked() {
    assertThat(run(TOKENS.token(current(3)), "verify", "--trust-dir", trustDir.toString()))
        .isEqualTo(VerifyCommand.VALID);
    assertThat(err()).contains("issuer is not checked");
  }

  @Test
  void anUnsignedStatusListCountsOnlyWhenAllowed() throws IOException {
    Files.delete(trustDir.resolve("status-list.jwt"));
    Files.writeString(trustDir.resolve("status-list.json"), TokenFactory.statusListJson(7));
    String token = TOKENS.token(current(7));

    assertThat(run(token, "verify", "--trust-dir", trustDir.toString()))
        .isEqualTo(VerifyCommand.REJECTED);
    assertThat(out()).contains("reason      STATUS_LIST_MISSING");
    assertThat(err()).contains("only unsigned [status-list.json]");

    out.reset();
    assertThat(
            run(
                token,
                "verify",
                "--trust-dir",
                trustDir.toString(),
                "--allow-unsigned-status-list"))
        .isEqualTo(VerifyCommand.REJECTED);
    assertThat(out()).contains("reason      REVOKED");
  }

  @Test
  void aStatusListPastItsExpRejectsWithStatusStale() throws IOException {
    long longAgo = Instant.now().getEpochSecond() - 7200;
    Files.writeString(
        trustDir.resolve("status-list.jwt"),
        StatusListTokenWriter.sign(
            KEY, TokenFactory.STATUS_URI, longAgo, StatusListTokenWriter.list(7)));

    assertThat(run(TOKENS.token(current(3)), "verify", "--trust-dir", trustDir.toString()))
        .isEqualTo(VerifyCommand.REJECTED);
    assertThat(out()).contains("reason      STATUS_STALE");
    assertThat(err()).contains("is stale");
  }

  @Test
  void followsAProviderOverHttpWithTrustUrl() throws Exception {
    try (FakeProvider provider = new FakeProvider()) {
      String uri = provider.uri("/status/default");
      provider.publish(FakeProvider.JWKS_PATH, TestKey.jwks(KEY));
      provider.publish(
          "/status/default",
          StatusListTokenWriter.sign(
              KEY, uri, Instant.now().getEpochSecond() - 5, StatusListTokenWriter.list(7)));
      String url = provider.base().toString();

      int valid = run(TOKENS.token(current(3, uri)), "verify", "--trust-url", url, "--timeout=5s");
      String validOut = out();
      out.reset();
      int revoked = run(TOKENS.token(current(7, uri)), "verify", "--trust-url=" + url);

      assertThat(valid).isEqualTo(VerifyCommand.VALID);
      assertThat(validOut).contains("verdict     VALID").contains("idx 3 in " + uri);
      assertThat(revoked).isEqualTo(VerifyCommand.REJECTED);
      assertThat(out()).contains("reason      REVOKED");
    }
  }

  private static TokenFactory.Claims current(long idx, String uri) {
    return current(idx)
        .set("status", java.util.Map.of("status_list", TokenFactory.statusList(idx, uri)));
  }

  @Test
  void helpNamesBothChannels() {
    assertThat(run("", "--help")).isEqualTo(VerifyCommand.VALID);
    assertThat(out())
        .contains("--trust-dir DIR")
        .contains("--trust-url URL")
        .contains("/.well-known/jwks.json")
        .contains("STATUS_STALE");
  }

  @Test
  void usageErrorsExitTwo() {
    String token = TOKENS.token(current(3));
    String dir = trustDir.toString();
    assertThat(run(token)).isEqualTo(VerifyCommand.USAGE);
    assertThat(run(token, "check", "--trust-dir", dir)).isEqualTo(VerifyCommand.USAGE);
    assertThat(run(token, "verify")).isEqualTo(VerifyCommand.USAGE);
    assertThat(run(token, "verify", "--trust-dir")).isEqualTo(VerifyCommand.USAGE);
    assertThat(run(token, "verify", "--trust-dir", dir, "--bogus")).isEqualTo(VerifyCommand.USAGE);
    assertThat(run(token, "verify", "--trust-dir", dir, "--leeway", "soon"))
        .isEqualTo(VerifyCommand.USAGE);
    assertThat(run(" \n", "verify", "--trust-dir", dir)).isEqualTo(VerifyCommand.USAGE);
    assertThat(err()).contains("usage: verify").contains("no token");
    assertNeverEchoes(token);
  }

  @Test
  void trustDirectoryErrorsExitTwo() throws IOException {
    String token = TOKENS.token(current(3));
    assertThat(run(token, "verify", "--trust-dir", trustDir.resolve("missing").toString()))
        .isEqualTo(VerifyCommand.USAGE);
    Files.writeString(trustDir.resolve("jwks.json"), "{\"keys\":[{}]}");
    assertThat(run(token, "verify", "--trust-dir", trustDir.toString()))
        .isEqualTo(VerifyCommand.USAGE);
    assertThat(err()).contains("not a directory").contains("jwks.json");
  }

  @Test
  void helpExitsZero() {
    assertThat(run("", "--help")).isZero();
    assertThat(out()).contains("usage: verify");
  }

  @Test
  void parsesDurations() {
    assertThat(VerifyCommand.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(VerifyCommand.parseDuration("30")).isEqualTo(Duration.ofSeconds(30));
    assertThat(VerifyCommand.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(VerifyCommand.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(VerifyCommand.parseDuration("PT45S")).isEqualTo(Duration.ofSeconds(45));
  }

  private void assertNeverEchoes(String token) {
    for (String part : token.split("\\.")) {
      assertThat(out()).doesNotContain(part);
      assertThat(err()).doesNotContain(part);
    }
  }

  /** Issue 9 item 8: a hostile kid reaches the terminal bounded and as printable ASCII. */
  @Test
  void printsAHostileKidEscaped(@TempDir Path keysOnly) throws Exception {
    Files.writeString(keysOnly.resolve("jwks.json"), TestKey.jwks(KEY));

    int exit = run(tokenWithKid(HOSTILE_KID), "verify", "--trust-dir", keysOnly.toString());

    assertThat(exit).isEqualTo(VerifyCommand.REJECTED);
    List<String> lines = out().lines().toList();
    assertThat(lines).hasSize(3).allSatisfy(line -> assertSafe(line, 600));
    assertThat(lines.get(2)).startsWith("kid         x\\u2028usage verdict=VALID");
  }
}
