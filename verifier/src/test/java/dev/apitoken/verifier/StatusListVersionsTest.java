package dev.apitoken.verifier;

import static dev.apitoken.verifier.TokenFactory.ISSUER;
import static dev.apitoken.verifier.TokenFactory.NOW;
import static dev.apitoken.verifier.TokenFactory.STATUS_URI;
import static dev.apitoken.verifier.TokenFactory.claims;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.status.StatusList;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which signed status list a mounted trust directory's verifier uses as the directory changes: the
 * highest {@code ver}, never the newest {@code iat}; and an index once seen revoked stays revoked.
 * Reloaded on demand, time from a hand-moved clock: no watcher, no waiting.
 */
class StatusListVersionsTest {
  static final TestKey KEY = TestKey.fromSeed(21);
  static final TokenFactory TOKENS = new TokenFactory(KEY);
  static final long T = NOW.getEpochSecond();

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(NOW);
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Logger verifierLog = Logger.getLogger(TokenVerifier.class.getName());
  private final Handler warningHandler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            warnings.add(record);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private KubeletVolume volume;
  private TokenVerifier verifier;

  @BeforeEach
  void setUp() {
    volume = new KubeletVolume(dir);
    verifierLog.addHandler(warningHandler);
  }

  @AfterEach
  void tearDown() {
    verifierLog.removeHandler(warningHandler);
    if (verifier != null) {
      verifier.close();
    }
  }

  /** A list of version {@code version} issued {@code iatOffset} s from NOW, valid for an hour. */
  static String list(long version, long iatOffset, StatusList bits) {
    return StatusListTokenWriter.signVersion(KEY, STATUS_URI, version, T + iatOffset, bits);
  }

  static String list(long version, long iatOffset, long... revoked) {
    return list(version, iatOffset, StatusListTokenWriter.list(revoked));
  }

  private void publish(String statusListJwt) throws IOException {
    volume.publish(Map.of("jwks.json", TestKey.jwks(KEY), "status-list.jwt", statusListJwt));
  }

  private TokenVerifier build(TokenVerifier.Builder builder) {
    verifier = builder.trustDirectory(dir).watch(false).expectedIssuer(ISSUER).clock(clock).build();
    return verifier;
  }

  private TokenVerifier build() {
    return build(TokenVerifier.builder());
  }

  private void reload() {
    ReloadStatus status = verifier.reload();
    assertThat(status.ok()).as("%s", status).isTrue();
  }

  private Optional<Rejection> verify(long idx) {
    return verifier.verify(TOKENS.token(claims(idx))).rejection();
  }

  private Optional<Instant> currentIssuedAt() {
    return verifier.statusListIssuedAt(STATUS_URI);
  }

  @Test
  void aDirectoryRolledBackToAnOlderVersionKeepsTheNewerListAndItsRevocations() throws Exception {
    // Version 6 covers 2048 indices and revokes 7; the older version 5 covers 1024 and clears 7.
    publish(list(6, -60, StatusListTokenWriter.listOf(2048, 7)));
    build();
    assertThat(verify(7)).contains(Rejection.REVOKED);

    publish(list(5, -30));
    reload();

    assertThat(verify(7)).contains(Rejection.REVOKED);
    assertThat(verify(1500)).as("only version 6 covers 1500").isEmpty();
    assertThat(currentIssuedAt()).contains(Instant.ofEpochSecond(T - 60));
  }

  @Test
  void aNewerVersionThatClearsARevokedIndexDoesNotUnrevokeIt() throws Exception {
    publish(list(5, -60, 7));
    build();
    assertThat(verify(7)).contains(Rejection.REVOKED);

    publish(list(6, -30));
    reload();

    assertThat(currentIssuedAt()).contains(Instant.ofEpochSecond(T - 30));
    assertThat(verify(7)).contains(Rejection.REVOKED);
    assertThat(verify(8)).isEmpty();
  }

  @Test
  void twoDifferentListsOfTheSameVersionCountTogetherAndAreLoggedOnce() throws Exception {
    String first = list(6, -60, StatusListTokenWriter.listOf(1024, 7));
    String second = list(6, -50, StatusListTokenWriter.listOf(2048, 8));
    publish(first);
    build();

    publish(second);
    reload();
    publish(first);
    reload();
    publish(second);
    reload();

    assertThat(verify(7)).contains(Rejection.REVOKED);
    assertThat(verify(8)).contains(Rejection.REVOKED);
    assertThat(verify(100)).isEmpty();
    assertThat(verify(1500)).as("covered by the second list").isEmpty();
    List<String> sameVersion =
        warnings.stream()
            .map(record -> new SimpleFormatter().formatMessage(record))
            .filter(message -> message.contains("same version"))
            .toList();
    assertThat(sameVersion).hasSize(1);
    assertThat(sameVersion.get(0))
        .contains(STATUS_URI)
        .doesNotContain(StatusListTokenWriter.listOf(1024, 7).encodeLst())
        .doesNotContain(StatusListTokenWriter.listOf(2048, 8).encodeLst())
        .doesNotContain(first.substring(first.lastIndexOf('.')))
        .doesNotContain(second.substring(second.lastIndexOf('.')));
  }

  @Test
  void aListIssuedFurtherInTheFutureThanTheLeewayIsRefusedAndTheHeldOneStays() throws Exception {
    publish(list(5, -60));
    build(TokenVerifier.builder().leeway(Duration.ofSeconds(30)));

    publish(list(6, 31, 7));

    ReloadStatus refused = verifier.reload();
    assertThat(refused.ok()).isFalse();
    assertThat(refused.message()).contains("status-list.jwt").contains("in the future");
    assertThat(verifier.failedReloads()).isEqualTo(1);
    assertThat(verify(7)).isEmpty();
    assertThat(currentIssuedAt()).contains(Instant.ofEpochSecond(T - 60));

    publish(list(6, 30, 7)); // exactly the leeway ahead
    reload();

    assertThat(verify(7)).contains(Rejection.REVOKED);
  }

  @Test
  void whenTheHighestVersionGoesStaleTheFreshLowerVersionTakesOverAndRevocationsStay()
      throws Exception {
    publish(
        StatusListTokenWriter.signVersion(
            KEY, STATUS_URI, 9, T - 3000, T + 600, StatusListTokenWriter.list(7)));
    build();
    assertThat(verify(7)).contains(Rejection.REVOKED);

    // The operator was restored from an old backup: its versions start low again.
    publish(list(3, 0));
    reload();
    assertThat(currentIssuedAt()).contains(Instant.ofEpochSecond(T - 3000));

    clock.advance(Duration.ofSeconds(601)); // version 9 is past its exp

    assertThat(verify(5)).isEmpty();
    assertThat(verify(7)).contains(Rejection.REVOKED);
    assertThat(currentIssuedAt()).contains(Instant.ofEpochSecond(T));
    assertThat(verifier.trustHealth().ready()).isTrue();
  }

  @Test
  void aListWhoseSigningKeyLeftTheJwksNoLongerCountsButWhatItRevokedStaysRevoked()
      throws Exception {
    TestKey retired = TestKey.fromSeed(22);
    volume.publish(
        Map.of(
            "jwks.json",
            TestKey.jwks(KEY, retired),
            "status-list.jwt",
            StatusListTokenWriter.signVersion(
                retired, STATUS_URI, 9, T - 60, StatusListTokenWriter.listOf(2048, 7))));
    build();
    assertThat(verify(1500)).isEmpty();

    volume.publish(Map.of("jwks.json", TestKey.jwks(KEY), "status-list.jwt", list(3, -30)));
    reload();

    assertThat(currentIssuedAt()).contains(Instant.ofEpochSecond(T - 30));
    assertThat(verify(1500))
        .as("only the retired key's list covers 1500")
        .contains(Rejection.STATUS_UNKNOWN);
    assertThat(verify(7)).contains(Rejection.REVOKED);
  }

  @Test
  void anEditedUnsignedListCannotUnrevokeAnIndex() throws Exception {
    volume.publish(
        Map.of("jwks.json", TestKey.jwks(KEY), "status-list.json", TokenFactory.statusListJson(3)));
    build(TokenVerifier.builder().allowUnsignedStatusList());
    assertThat(verify(3)).contains(Rejection.REVOKED);

    volume.publish(
        Map.of("jwks.json", TestKey.jwks(KEY), "status-list.json", TokenFactory.statusListJson()));
    reload();

    assertThat(verify(3)).contains(Rejection.REVOKED);
    assertThat(verify(4)).isEmpty();
  }

  @Test
  void theUnsignedFileBesideASignedListIsNotRead() throws Exception {
    volume.publish(
        Map.of(
            "jwks.json",
            TestKey.jwks(KEY),
            "status-list.jwt",
            list(1, -60),
            "status-list.json",
            TokenFactory.statusListJson(4)));
    build(TokenVerifier.builder().allowUnsignedStatusList());

    assertThat(verify(4)).isEmpty();
  }
}
