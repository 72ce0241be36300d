package dev.apitoken.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListShards;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The ledger's decisions, without files, HTTP or signatures: milliseconds. */
class StatusListLedgerTest {
  static final String URI = "https://apitoken.example/status/default";
  static final long NOW_MILLIS = 1_800_000_000_000L;
  static final long NOW = NOW_MILLIS / 1000;
  static final long LEEWAY_MILLIS = 30_000;

  private final StatusListLedger ledger = new StatusListLedger(LEEWAY_MILLIS, -1);

  static HeldStatusList held(long version, long iat, long exp, StatusList list) {
    return new HeldStatusList(URI, list, version, iat, exp, "kid", "test");
  }

  static StatusList list(long... revoked) {
    return StatusListTokenWriter.list(revoked);
  }

  private int status(long idx) {
    return status(idx, NOW_MILLIS);
  }

  private int status(long idx, long nowMillis) {
    return status(ledger, idx, nowMillis);
  }

  private static int status(StatusListLedger ledger, long idx, long nowMillis) {
    TrustState state = TrustState.EMPTY.withLists(TrustedKeys.of(Map.of()), ledger.snapshot(null));
    return state.status(idx, URI, nowMillis, -1);
  }

  private List<Long> heldVersions() {
    return ledger.snapshot(null).get(URI).heldLists().stream()
        .map(HeldStatusList::version)
        .toList();
  }

  @Test
  void anIatExactlyTheLeewayAheadIsAcceptedAndOneSecondMoreIsRefused() {
    ledger.check(held(1, NOW + 30, NOW + 3600, list()), NOW_MILLIS);

    assertThatThrownBy(() -> ledger.offer(held(1, NOW + 31, NOW + 3600, list(7)), NOW_MILLIS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("in the future");
    assertThat(ledger.snapshot(null)).isEmpty();
  }

  @Test
  void aLowerVersionThatGoesStaleNoLaterThanAHigherOneIsForgottenButItsRevocationsStay() {
    ledger.offer(held(6, NOW - 10, NOW + 3590, list()), NOW_MILLIS);
    ledger.offer(held(5, NOW - 60, NOW + 3540, list(5)), NOW_MILLIS);

    assertThat(heldVersions()).containsExactly(6L);
    assertThat(status(5)).isEqualTo(StatusList.INVALID);
    assertThat(status(6)).isEqualTo(StatusList.VALID);
  }

  @Test
  void aLowerVersionFreshLongerIsKeptToTakeOverLater() {
    ledger.offer(held(9, NOW - 3000, NOW + 600, list()), NOW_MILLIS);
    ledger.offer(held(3, NOW, NOW + 3600, list()), NOW_MILLIS);

    assertThat(heldVersions()).containsExactly(9L, 3L);
    assertThat(status(5, NOW_MILLIS + 600_000)).isEqualTo(StatusList.VALID);
    assertThat(status(5, NOW_MILLIS + 3_600_000)).isEqualTo(TrustState.STATUS_STALE);
  }

  @Test
  void theSameListSignedAgainReplacesTheEarlierSignature() {
    ledger.offer(held(4, NOW - 900, NOW + 2700, list(2)), NOW_MILLIS);
    ledger.offer(held(4, NOW, NOW + 3600, list(2)), NOW_MILLIS);
    ledger.offer(held(4, NOW - 900, NOW + 2700, list(2)), NOW_MILLIS);

    assertThat(ledger.snapshot(null).get(URI).heldLists())
        .singleElement()
        .extracting(HeldStatusList::issuedAt)
        .isEqualTo(NOW);
  }

  @Test
  void aListStaleOnArrivalIsHeldOnlyWithoutAFreshOneAndItsBitsAreNotRemembered() {
    ledger.offer(held(2, NOW - 7200, NOW - 3600, list(9)), NOW_MILLIS);

    assertThat(status(9)).as("its own bit, while it is held").isEqualTo(StatusList.INVALID);
    assertThat(status(8)).isEqualTo(TrustState.STATUS_STALE);

    ledger.offer(held(1, NOW, NOW + 3600, list()), NOW_MILLIS);

    assertThat(heldVersions()).containsExactly(1L);
    assertThat(status(9)).isEqualTo(StatusList.VALID);
  }

  @Test
  void indicesAtOrBeyondTheLastShardNeverExist() {
    ledger.offer(held(1, NOW, NOW + 3600, list()), NOW_MILLIS);

    assertThat(status(StatusListShards.INDEX_LIMIT)).isEqualTo(TrustState.STATUS_UNKNOWN);
  }

  @Test
  void revokedIndicesHoldEveryStatusOtherThanValidOfTheListsShardOnly() {
    RevokedIndices revoked = new RevokedIndices();
    StatusList twoBits = new StatusList(2, 64);
    twoBits.set(3, StatusList.INVALID);
    twoBits.set(4, StatusList.SUSPENDED);
    twoBits.set(5, 3);
    revoked.addAll(twoBits);
    long shard2 = 2 * StatusListShards.SHARD_SIZE;
    StatusList wide = new StatusList(1, shard2 + 16);
    wide.set(10, StatusList.INVALID); // below shard 2: junk in shard 2's file
    wide.set(shard2 + 1, StatusList.INVALID);
    revoked.addAll(StatusList.decodeShard(1, wide.encodeLst(), 2));

    assertThat(revoked.contains(3)).isTrue();
    assertThat(revoked.contains(4)).isTrue();
    assertThat(revoked.contains(5)).isTrue();
    assertThat(revoked.contains(6)).isFalse();
    assertThat(revoked.contains(10)).isFalse();
    assertThat(revoked.contains(shard2 + 1)).isTrue();
    assertThat(revoked.contains(shard2)).isFalse();
    assertThat(revoked.contains(-1)).isFalse();
    assertThat(revoked.contains(StatusListShards.INDEX_LIMIT)).isFalse();
  }

  /** One publication: version, iat offset in seconds, the revoked indices among 0..31. */
  record Publication(long version, long iatOffset, Set<Integer> revoked) {}

  @Provide
  Arbitrary<List<Publication>> publications() {
    Arbitrary<Publication> one =
        Combinators.combine(
                Arbitraries.longs().between(0, 6),
                Arbitraries.longs().between(-3000, 30),
                Arbitraries.integers().between(0, 31).set().ofMaxSize(6))
            .as(Publication::new);
    return one.list().ofMinSize(1).ofMaxSize(12);
  }

  @Property(tries = 300)
  void aRevokedIndexNeverBecomesValidAndTheHighestVersionIsCurrent(
      @ForAll("publications") List<Publication> publications) {
    StatusListLedger ledger = new StatusListLedger(LEEWAY_MILLIS, -1);
    Set<Integer> everRevoked = new HashSet<>();
    long highest = -1;
    for (Publication publication : publications) {
      long[] revoked = publication.revoked().stream().mapToLong(Integer::longValue).toArray();
      long iat = NOW + publication.iatOffset();
      ledger.offer(held(publication.version(), iat, iat + 3600, list(revoked)), NOW_MILLIS);
      everRevoked.addAll(publication.revoked());
      highest = Math.max(highest, publication.version());

      for (int idx = 0; idx < 32; idx++) {
        int status = status(ledger, idx, NOW_MILLIS);
        if (everRevoked.contains(idx)) {
          assertThat(status).as("idx %d", idx).isEqualTo(StatusList.INVALID);
        } else {
          assertThat(status).as("idx %d", idx).isEqualTo(StatusList.VALID);
        }
      }
      assertThat(ledger.snapshot(null).get(URI).current(NOW_MILLIS, -1).version())
          .isEqualTo(highest);
    }
  }
}
