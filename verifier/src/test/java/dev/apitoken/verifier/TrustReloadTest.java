package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.TrustLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Updates of a trust directory laid out and swapped the way the kubelet does it. */
class TrustReloadTest {
  static final TestKey OLD_KEY = TestKey.fromSeed(1);
  static final TestKey NEW_KEY = TestKey.fromSeed(2);
  static final Duration WITHIN_A_SECOND = Duration.ofSeconds(1);

  @TempDir Path dir;
  private final AtomicInteger versions = new AtomicInteger();
  private TokenVerifier verifier;

  @AfterEach
  void close() {
    if (verifier != null) {
      verifier.close();
    }
  }

  /**
   * Publishes a new version like the kubelet's atomic writer: a fresh {@code ..<timestamp>}
   * directory, a temporary {@code ..data_tmp} symlink to it renamed over {@code ..data}, then the
   * old version deleted. The visible files are symlinks into {@code ..data/}.
   */
  private void publish(String jwks, String statusList) throws IOException {
    String version = "..2026_01_01_00_00_0" + versions.incrementAndGet() + ".x";
    Path versionDir = Files.createDirectory(dir.resolve(version));
    Files.writeString(versionDir.resolve("jwks.json"), jwks);
    Files.writeString(versionDir.resolve("status-list.json"), statusList);

    Path data = dir.resolve("..data");
    Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
    Path temporary = dir.resolve("..data_tmp");
    Files.createSymbolicLink(temporary, Path.of(version));
    Files.move(temporary, data, StandardCopyOption.ATOMIC_MOVE);
    for (String name : new String[] {"jwks.json", "status-list.json"}) {
      if (!Files.isSymbolicLink(dir.resolve(name))) {
        Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
      }
    }
    if (previous != null) {
      try (var files = Files.list(previous)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(previous);
    }
  }

  private TokenVerifier watching() {
    return TokenVerifier.builder()
        .trustDirectory(dir)
        .allowUnsignedStatusList()
        .expectedIssuer(ISSUER)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .build();
  }

  @Test
  void picksUpANewKeyAndStatusListWithinASecondOfTheSwap() throws IOException {
    publish(TestKey.jwks(OLD_KEY), TokenFactory.statusListJson());
    verifier = watching();
    String oldToken = new TokenFactory(OLD_KEY).token(claims(3));
    String newToken = new TokenFactory(NEW_KEY).token(claims(4));
    assertThat(verifier.verify(oldToken).isAccepted()).isTrue();
    assertThat(verifier.verify(newToken).rejection()).contains(Rejection.UNKNOWN_KEY);

    publish(TestKey.jwks(OLD_KEY, NEW_KEY), TokenFactory.statusListJson(3));

    await()
        .atMost(WITHIN_A_SECOND)
        .untilAsserted(() -> assertThat(verifier.verify(newToken).isAccepted()).isTrue());
    assertThat(verifier.verify(oldToken).rejection()).contains(Rejection.REVOKED);
    // The status is set just after the new trust is in use: wait for it too, not only for the key.
    await()
        .atMost(WITHIN_A_SECOND)
        .untilAsserted(
            () -> assertThat(verifier.lastReloadStatus().message()).contains(NEW_KEY.kid()));
    assertThat(verifier.lastReloadStatus().ok()).isTrue();
    assertThat(verifier.failedReloads()).isZero();
  }

  @Test
  void keepsTheLastGoodTrustWhenANewVersionIsMalformed() throws IOException {
    publish(TestKey.jwks(OLD_KEY), TokenFactory.statusListJson());
    verifier = watching();
    String token = new TokenFactory(OLD_KEY).token(claims(3));

    publish(TestKey.jwks(OLD_KEY), "{\"bits\":1,\"lst\":\"not zlib\",\"uri\":\"u\"}");

    await().atMost(WITHIN_A_SECOND).until(() -> verifier.failedReloads() == 1);
    assertThat(verifier.lastReloadStatus().ok()).isFalse();
    assertThat(verifier.lastReloadStatus().message()).contains("status-list.json");
    assertThat(verifier.verify(token).isAccepted()).isTrue();

    publish("{\"keys\":[", TokenFactory.statusListJson(3));

    await().atMost(WITHIN_A_SECOND).until(() -> verifier.failedReloads() == 2);
    assertThat(verifier.lastReloadStatus().message()).contains("jwks.json");
    assertThat(verifier.verify(token).isAccepted()).isTrue();

    publish(TestKey.jwks(OLD_KEY), TokenFactory.statusListJson(3));

    await()
        .atMost(WITHIN_A_SECOND)
        .untilAsserted(
            () -> assertThat(verifier.verify(token).rejection()).contains(Rejection.REVOKED));
    assertThat(verifier.lastReloadStatus().ok()).isTrue();
    assertThat(verifier.failedReloads()).isEqualTo(2);
  }

  @Test
  void followsPlainFilesEditedInPlace() throws IOException {
    Files.writeString(dir.resolve("jwks.json"), TestKey.jwks(OLD_KEY));
    verifier = watching();
    String token = new TokenFactory(OLD_KEY).token(claims(3));
    assertThat(verifier.verify(token).rejection()).contains(Rejection.STATUS_LIST_MISSING);

    Files.writeString(dir.resolve("status-list.json"), TokenFactory.statusListJson());

    await()
        .atMost(WITHIN_A_SECOND)
        .untilAsserted(() -> assertThat(verifier.verify(token).isAccepted()).isTrue());
  }

  @Test
  void reloadOnDemandWithoutWatching() throws IOException {
    publish(TestKey.jwks(OLD_KEY), TokenFactory.statusListJson());
    verifier =
        TokenVerifier.builder()
            .trustDirectory(dir)
            .allowUnsignedStatusList()
            .expectedIssuer(ISSUER)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .watch(false)
            .build();
    String token = new TokenFactory(OLD_KEY).token(claims(3));
    publish(TestKey.jwks(OLD_KEY), TokenFactory.statusListJson(3));
    assertThat(verifier.verify(token).isAccepted()).isTrue();

    assertThat(verifier.reload().ok()).isTrue();

    assertThat(verifier.verify(token).rejection()).contains(Rejection.REVOKED);
  }

  @Test
  void closeStopsTheWatcherThread() throws IOException {
    publish(TestKey.jwks(OLD_KEY), TokenFactory.statusListJson());
    verifier = watching();
    assertThat(watcherThreads()).isPositive();

    verifier.close();

    await().atMost(WITHIN_A_SECOND).until(() -> watcherThreads() == 0);
  }

  @Test
  void refusesToStartWithoutUsableTrust() throws IOException {
    assertThatThrownBy(() -> watching())
        .isInstanceOf(TrustLoadException.class)
        .hasMessageContaining("no jwks.json");
    assertThatThrownBy(
            () ->
                TokenVerifier.builder()
                    .trustDirectory(dir.resolve("missing"))
                    .expectedIssuer(ISSUER)
                    .build())
        .isInstanceOf(TrustLoadException.class)
        .hasMessageContaining("not a directory");
    Files.writeString(dir.resolve("jwks.json"), "{}");
    assertThatThrownBy(() -> watching())
        .isInstanceOf(TrustLoadException.class)
        .hasMessageContaining("keys");
  }

  private static long watcherThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("apitoken-trust-watcher") && t.isAlive())
        .count();
  }
}
