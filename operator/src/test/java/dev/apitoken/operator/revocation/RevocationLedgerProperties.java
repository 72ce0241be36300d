package dev.apitoken.operator.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class RevocationLedgerProperties {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final Duration LEEWAY = Duration.ofHours(1);

  @Property
  void storageFormRoundTrips(@ForAll("revocations") List<RevokedToken> tokens) {
    RevocationLedger ledger = RevocationLedger.empty().with(tokens);
    assertThat(RevocationLedger.decodeShards(ledger.encodeShards())).isEqualTo(ledger);
    assertThat(RevocationLedger.decodeShards(ledger.encodeShards()).encodeShards())
        .isEqualTo(ledger.encodeShards());
  }

  @Property
  void aRevokedIndexIsAlwaysReportedRevokedUntilItsTokenHasExpired(
      @ForAll("revocations") List<RevokedToken> tokens,
      @ForAll @IntRange(min = 0, max = 200_000) int reservedUpTo,
      @ForAll @IntRange(min = 0, max = 60 * 24) int minutesLater) {
    Instant now = NOW.plus(Duration.ofMinutes(minutesLater));
    // Every revoked index was handed out, so it lies below the reservation.
    long reserved =
        Math.max(reservedUpTo, tokens.stream().mapToLong(t -> t.index() + 1).max().orElse(0));
    RevocationLedger ledger = RevocationLedger.empty().with(tokens).prune(now, LEEWAY);
    String published =
        TrustDocument.compose("{\"keys\":[]}", ledger, reserved, "u")
            .get(TrustDocument.STATUS_LIST_KEY);
    StatusList list = StatusListDocument.parse(published).statusList();

    for (RevokedToken token : tokens) {
      if (token.expiresAt().plus(LEEWAY).isAfter(now)) {
        assertThat(list.get(token.index()))
            .as("index %d", token.index())
            .isEqualTo(StatusList.INVALID);
      }
    }
    assertThat(list.size()).isGreaterThanOrEqualTo(reserved + StatusListSizing.HEADROOM);
  }

  @Property
  void nothingIsRevokedThatWasNotRevoked(
      @ForAll("revocations") List<RevokedToken> tokens,
      @ForAll @IntRange(min = 0, max = 100_000) int probe) {
    RevocationLedger ledger = RevocationLedger.empty().with(tokens);
    boolean revoked = tokens.stream().anyMatch(t -> t.index() == probe);
    assertThat(ledger.isRevoked(probe)).isEqualTo(revoked);
    assertThat(ledger.toStatusList(probe + 1).get(probe) == StatusList.INVALID).isEqualTo(revoked);
  }

  @Property
  void expiredEntriesAreAlwaysPruned(@ForAll("revocations") List<RevokedToken> tokens) {
    Instant farFuture = NOW.plus(Duration.ofDays(400));
    RevocationLedger pruned = RevocationLedger.empty().with(tokens).prune(farFuture, LEEWAY);
    assertThat(pruned.size()).isZero();
    // Forgotten, not lost: each index is still known to have been revoked and expired.
    tokens.forEach(t -> assertThat(pruned.covers(t.index())).isTrue());
    tokens.forEach(t -> assertThat(pruned.isRevoked(t.index())).isFalse());
  }

  @Property
  void unionKeepsEveryRevocationOfBoth(
      @ForAll("revocations") List<RevokedToken> a, @ForAll("revocations") List<RevokedToken> b) {
    RevocationLedger union =
        RevocationLedger.empty().with(a).union(RevocationLedger.empty().with(b));
    a.forEach(t -> assertThat(union.contains(t)).isTrue());
    b.forEach(t -> assertThat(union.contains(t)).isTrue());
    assertThat(union)
        .isEqualTo(RevocationLedger.empty().with(b).union(RevocationLedger.empty().with(a)));
  }

  @Property
  void sameStatePublishesTheSameBytes(
      @ForAll("revocations") @Size(max = 50) List<RevokedToken> tokens) {
    RevocationLedger inOrder = RevocationLedger.empty().with(tokens);
    RevocationLedger reversed = RevocationLedger.empty();
    for (int i = tokens.size() - 1; i >= 0; i--) {
      reversed = reversed.with(List.of(tokens.get(i)));
    }
    assertThat(TrustDocument.compose("{}", reversed, 1000, "u"))
        .isEqualTo(TrustDocument.compose("{}", inOrder, 1000, "u"));
  }

  @Provide
  Arbitrary<List<RevokedToken>> revocations() {
    Arbitrary<Long> index = Arbitraries.longs().between(0, 100_000);
    Arbitrary<Instant> expiry =
        Arbitraries.longs()
            .between(-3 * 24 * 60, 90 * 24 * 60)
            .map(m -> NOW.plus(Duration.ofMinutes(m)));
    return Combinators.combine(index, expiry).as(RevokedToken::new).list().ofMaxSize(200);
  }
}
