package dev.apitoken.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.Jwks;
import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.token.KeyRevocationStatement;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.StatusListTokenSigner;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Only our own signed lists, in namespaces we trust, for the right shard, are evidence. */
class SignedEvidenceTest {
  private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
  private static final String TRUST = "apitoken-trust";
  private static final String URI = "https://apitoken.example/statuslist";
  private static final Duration MAX_TTL = Duration.ofDays(30);
  private final MutableClock clock = new MutableClock(NOW);
  private final StatusListTokenSigner signer =
      new StatusListTokenSigner(Duration.ofHours(1), Duration.ofSeconds(30), clock);
  private final KeyRing ours = KeyRing.create(NOW, new SecureRandom());
  private final KeyRing foreign = KeyRing.create(NOW, new SecureRandom());
  private final Map<String, TrustedKey> ourKeys = Jwks.parse(ours.publicJwks());

  /** A shard-0 copy whose signed list revokes {@code revoked}, signed with {@code ring}. */
  private SignedEvidence.Copy copy(
      String namespace, KeyRing ring, String sub, StatusListToken.Signed claims, int... revoked) {
    StatusList list = new StatusList(1, 1024);
    for (int index : revoked) {
      list.set(index, StatusList.INVALID);
    }
    String jwt = signer.sign(sub, 1, list.encodeLst(), claims, ring.activeKey()).compact();
    return new SignedEvidence.Copy(
        namespace, TRUST, Map.of(TrustDocument.statusListTokenKey(0), jwt));
  }

  private SignedEvidence read(List<SignedEvidence.Copy> copies) {
    return read(copies, Set.of());
  }

  private SignedEvidence read(List<SignedEvidence.Copy> copies, Set<String> revokedKids) {
    return SignedEvidence.read(
        copies,
        Set.of("apitoken-system", "team-a"),
        ourKeys,
        revokedKids,
        TRUST,
        URI,
        MAX_TTL,
        clock.instant());
  }

  @Test
  void ourSignedListInATrustedNamespaceGivesItsBitsVersionReservationAndRevokedKeys() {
    SignedEvidence evidence =
        read(
            List.of(
                copy(
                    "team-a",
                    ours,
                    URI,
                    new StatusListToken.Signed(7, 2048, Map.of("old-kid", 100L)),
                    3,
                    9)));

    assertThat(evidence.revoked().stream().boxed().toList()).containsExactly(3, 9);
    assertThat(evidence.version()).isEqualTo(7);
    assertThat(evidence.reservedIndices()).isEqualTo(2048);
    assertThat(evidence.revokedKids().contains("old-kid")).isTrue();
    assertThat(evidence.verified()).isEqualTo(1);
  }

  @Test
  void nothingIsTakenFromAnUntrustedNamespaceAForeignKeyOrAnotherShardsList() {
    StatusListToken.Signed hostile = new StatusListToken.Signed(1_000_000, 33_554_431, Map.of());
    SignedEvidence evidence =
        read(
            List.of(
                copy("outsider", ours, URI, hostile, 5),
                copy("team-a", foreign, URI, hostile, 6),
                copy("team-a", ours, URI + "/1", hostile, 7)));

    assertThat(evidence.revoked().isEmpty()).isTrue();
    assertThat(evidence.version()).isZero();
    assertThat(evidence.reservedIndices()).isZero();
    assertThat(evidence.verified()).isZero();
    assertThat(evidence.refused()).isEqualTo(2);
  }

  @Test
  void unsignedFilesAndAnnotationsAreNeverRead() {
    StatusList everything = new StatusList(1, 1024);
    for (int i = 0; i < 1024; i++) {
      everything.set(i, StatusList.INVALID);
    }
    SignedEvidence evidence =
        read(
            List.of(
                new SignedEvidence.Copy(
                    "team-a",
                    TRUST,
                    Map.of(
                        TrustDocument.statusListKey(0),
                        dev.apitoken.format.status.StatusListDocument.of(everything, URI)
                            .toJson()))));

    assertThat(evidence).isEqualTo(SignedEvidence.NONE);
  }

  @Test
  void aListSignedLongerAgoThanAnyTokenLivesGivesNoBitsButStillItsVersion() {
    SignedEvidence.Copy old =
        copy("team-a", ours, URI, new StatusListToken.Signed(3, 1024, Map.of()), 4);
    clock.advance(MAX_TTL.plus(Duration.ofHours(2)));

    SignedEvidence evidence = read(List.of(old));

    assertThat(evidence.revoked().isEmpty()).isTrue();
    assertThat(evidence.version()).isEqualTo(3);
  }

  @Test
  void theSameListInEveryNamespaceIsCheckedOnceAndCountedEverywhere() {
    SignedEvidence.Copy inOwn =
        copy("apitoken-system", ours, URI, new StatusListToken.Signed(2, 1024, Map.of()), 1);
    SignedEvidence.Copy same = new SignedEvidence.Copy("team-a", inOwn.name(), inOwn.data());

    SignedEvidence evidence = read(List.of(inOwn, same));

    assertThat(evidence.verified()).isEqualTo(2);
    assertThat(evidence.revoked().stream().boxed().toList()).containsExactly(1);
  }

  @Test
  void aKeysOwnRevocationStatementCountsWhoeverSignedTheListAndThatKeyThenVerifiesNoList() {
    // The ring was restored from a backup that still holds the revoked key; the list carrying the
    // statement was signed by a key the backup never had.
    String statement =
        KeyRevocationStatement.sign(ours.activeKey(), NOW.minus(Duration.ofHours(1)));
    String forgedByForeign =
        KeyRevocationStatement.sign(foreign.activeKey(), NOW.minus(Duration.ofHours(1)));
    SignedEvidence evidence =
        read(
            List.of(
                copy(
                    "team-a",
                    foreign,
                    URI,
                    new StatusListToken.Signed(9, 0, Map.of(), List.of(statement, forgedByForeign)),
                    2),
                copy(
                    "apitoken-system",
                    ours,
                    URI,
                    new StatusListToken.Signed(50, 1 << 20, Map.of()),
                    3)));

    assertThat(evidence.revokedKids().kids()).containsExactly(ours.activeKey().kid());
    assertThat(evidence.keyRevocations()).containsExactly(statement);
    // Our list was signed by the key now known revoked: it is no evidence (its holder may be
    // anyone), nor is the foreign one.
    assertThat(evidence.version()).isZero();
    assertThat(evidence.revoked().isEmpty()).isTrue();
    assertThat(evidence.refused()).isEqualTo(2);
  }

  @Test
  void aListSignedByAKeyKnownRevokedIsNoEvidence() {
    SignedEvidence evidence =
        read(
            List.of(copy("team-a", ours, URI, new StatusListToken.Signed(4, 0, Map.of()), 1)),
            Set.of(ours.activeKey().kid()));

    assertThat(evidence.verified()).isZero();
    assertThat(evidence.version()).isZero();
  }
}
