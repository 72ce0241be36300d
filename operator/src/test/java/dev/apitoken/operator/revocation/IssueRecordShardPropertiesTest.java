package dev.apitoken.operator.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The owner index of a shard answers exactly what a scan of its records answers, through every way
 * a shard is made (added to, merged, pruned, decoded): a revocation finds every token of its owner.
 */
class IssueRecordShardPropertiesTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final List<String> OWNERS = List.of("uid-a", "uid-b", "uid-c", "uid-d");

  @Property
  void forOwnerFindsExactlyTheOwnersRecordsAfterEveryChange(
      @ForAll("records") @Size(max = 60) List<IssueRecord> first,
      @ForAll("records") @Size(max = 60) List<IssueRecord> more,
      @ForAll @IntRange(min = 0, max = 48) int hoursLater) {
    IssueRecordShard shard = IssueRecordShard.EMPTY.with(first);
    assertIndexMatchesScan(shard);

    // A later version (new tokens, revoked marks) must not answer from the earlier one's index.
    IssueRecordShard grown = shard.with(more.stream().map(IssueRecord::asRevoked).toList());
    assertIndexMatchesScan(grown);
    assertIndexMatchesScan(shard.union(IssueRecordShard.EMPTY.with(more)));
    assertIndexMatchesScan(
        grown.prune(
            NOW.plus(Duration.ofHours(hoursLater)),
            IndexSpace.RETENTION_AFTER_EXPIRY,
            Duration.ofDays(30)));
    assertIndexMatchesScan(IssueRecordShard.decode(grown.encode()));
  }

  @Property
  void indexBoundIsOnePastTheHighestRecordedIndex(
      @ForAll("records") @Size(max = 60) List<IssueRecord> records) {
    IssueRecordShard shard = IssueRecordShard.EMPTY.with(records);
    long expected = shard.records().stream().mapToLong(r -> r.index() + 1).max().orElse(0);
    assertThat(shard.indexBound()).isEqualTo(expected);
  }

  private static void assertIndexMatchesScan(IssueRecordShard shard) {
    for (String owner : OWNERS) {
      List<IssueRecord> scanned =
          shard.records().stream()
              .filter(r -> r.ownerUid().equals(owner))
              .sorted(Comparator.comparingLong(IssueRecord::index))
              .toList();
      assertThat(shard.forOwner(owner)).as(owner).containsExactlyElementsOf(scanned);
    }
    assertThat(shard.forOwner("uid-unknown")).isEmpty();
  }

  @Provide
  Arbitrary<List<IssueRecord>> records() {
    return Combinators.combine(
            Arbitraries.longs().between(0, IndexSpace.RECORD_SHARD_SIZE - 1),
            Arbitraries.integers().between(-3, 72),
            Arbitraries.of(OWNERS),
            Arbitraries.of(true, false))
        .as(
            (index, hours, owner, revoked) ->
                new IssueRecord(
                    index,
                    NOW.plus(Duration.ofHours(hours)),
                    owner,
                    "apps",
                    owner + "-token",
                    "jti-" + index,
                    revoked))
        .list();
  }
}
