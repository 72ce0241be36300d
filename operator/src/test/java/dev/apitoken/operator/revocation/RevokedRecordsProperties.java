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

class RevokedRecordsProperties {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final Duration LEEWAY = Duration.ofHours(1);
  private static final Duration FORGOTTEN_FOR = Duration.ofDays(30);

  @Property
  void storageFormRoundTrips(@ForAll("revocations") List<IssueRecord> tokens) {
    IssueRecordShard shard = IssueRecordShard.EMPTY.with(tokens).prune(NOW, LEEWAY, FORGOTTEN_FOR);
    assertThat(IssueRecordShard.decode(shard.encode())).isEqualTo(shard);
    assertThat(IssueRecordShard.decode(shard.encode()).encode()).isEqualTo(shard.encode());
  }

  @Property
  void aRevokedIndexIsAlwaysReportedRevokedUntilItsTokenHasExpired(
      @ForAll("revocations") List<IssueRecord> tokens,
      @ForAll @IntRange(min = 0, max = 200_000) int reservedUpTo,
      @ForAll @IntRange(min = 0, max = 60 * 24) int minutesLater) {
    Instant now = NOW.plus(Duration.ofMinutes(minutesLater));
    // Every revoked index was handed out, so it lies below the reservation.
    long reserved =
        Math.max(reservedUpTo, tokens.stream().mapToLong(t -> t.index() + 1).max().orElse(0));
    RevokedRecords revoked = RevokedRecords.empty().with(tokens).prune(now, LEEWAY, FORGOTTEN_FOR);
    String published =
        TrustDocument.compose("{\"keys\":[]}", revoked, reserved, "u")
            .get(TrustDocument.STATUS_LIST_KEY);
    StatusList list = StatusListDocument.parse(published).statusList();

    for (IssueRecord token : tokens) {
      if (token.expiresAt().plus(LEEWAY).isAfter(now)) {
        assertThat(list.get(token.index()))
            .as("index %d", token.index())
            .isEqualTo(StatusList.INVALID);
      }
    }
    assertThat(list.size()).isGreaterThanOrEqualTo(reserved + TrustDocument.HEADROOM);
  }

  @Property
  void nothingIsRevokedThatWasNotRevoked(
      @ForAll("revocations") List<IssueRecord> tokens,
      @ForAll @IntRange(min = 0, max = 100_000) int probe) {
    RevokedRecords revoked = RevokedRecords.empty().with(tokens);
    boolean expected = tokens.stream().anyMatch(t -> t.index() == probe);
    assertThat(revoked.isRevoked(probe)).isEqualTo(expected);
    assertThat(revoked.toStatusList(0, probe + 1).get(probe) == StatusList.INVALID)
        .isEqualTo(expected);
  }

  @Property
  void expiredRevocationsAreForgottenThenDropped(@ForAll("revocations") List<IssueRecord> tokens) {
    Instant farFuture = NOW.plus(Duration.ofDays(100));
    RevokedRecords pruned =
        RevokedRecords.empty().with(tokens).prune(farFuture, LEEWAY, FORGOTTEN_FOR);
    assertThat(pruned.size()).isZero();
    // Forgotten, not lost: each index is still known to have been revoked and expired.
    tokens.forEach(t -> assertThat(pruned.covers(t.index())).isTrue());
    tokens.forEach(t -> assertThat(pruned.isRevoked(t.index())).isFalse());

    RevokedRecords later = pruned.prune(farFuture.plus(FORGOTTEN_FOR), LEEWAY, FORGOTTEN_FOR);
    tokens.forEach(t -> assertThat(later.covers(t.index())).isFalse());
  }

  @Property
  void mergingKeepsEveryRevocationOfBothInEitherOrder(
      @ForAll("revocations") List<IssueRecord> a, @ForAll("revocations") List<IssueRecord> b) {
    RevokedRecords ab = RevokedRecords.empty().with(a).with(b);
    a.forEach(t -> assertThat(ab.isRevoked(t.index())).isTrue());
    b.forEach(t -> assertThat(ab.isRevoked(t.index())).isTrue());
    assertThat(ab).isEqualTo(RevokedRecords.empty().with(b).with(a));
  }

  @Property
  void sameStatePublishesTheSameBytes(
      @ForAll("revocations") @Size(max = 50) List<IssueRecord> tokens) {
    RevokedRecords inOrder = RevokedRecords.empty().with(tokens);
    RevokedRecords reversed = RevokedRecords.empty();
    for (int i = tokens.size() - 1; i >= 0; i--) {
      reversed = reversed.with(List.of(tokens.get(i)));
    }
    assertThat(TrustDocument.compose("{}", reversed, 1000, "u"))
        .isEqualTo(TrustDocument.compose("{}", inOrder, 1000, "u"));
  }

  @Provide
  Arbitrary<List<IssueRecord>> revocations() {
    Arbitrary<Long> index = Arbitraries.longs().between(0, 100_000);
    Arbitrary<Instant> expiry =
        Arbitraries.longs()
            .between(-3 * 24 * 60, 90 * 24 * 60)
            .map(m -> NOW.plus(Duration.ofMinutes(m)));
    return Combinators.combine(index, expiry).as(IssueRecord::revokedUnowned).list().ofMaxSize(200);
  }
}
