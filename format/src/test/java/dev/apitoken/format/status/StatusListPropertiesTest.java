package dev.apitoken.format.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class StatusListPropertiesTest {

  /** A list with random bits, size and statuses, as the writes that built it. */
  record Written(int bits, long size, List<long[]> writes) {
    StatusList build() {
      StatusList list = new StatusList(bits, size);
      for (long[] write : writes) {
        list.set(write[0], (int) write[1]);
      }
      return list;
    }
  }

  @Provide
  Arbitrary<Written> lists() {
    return Arbitraries.of(1, 2, 4, 8)
        .flatMap(
            bits ->
                Arbitraries.longs()
                    .between(1, 50_000)
                    .flatMap(
                        size -> {
                          long capacity = new StatusList(bits, size).size();
                          Arbitrary<long[]> write =
                              Combinators.combine(
                                      Arbitraries.longs().between(0, capacity - 1),
                                      Arbitraries.integers().between(0, (1 << bits) - 1))
                                  .as((idx, status) -> new long[] {idx, status});
                          return write
                              .list()
                              .ofMaxSize(200)
                              .map(writes -> new Written(bits, size, writes));
                        }));
  }

  @Property(tries = 200)
  void encodeThenDecodeGivesTheSameList(@ForAll("lists") Written written) {
    StatusList list = written.build();

    StatusList decoded = StatusList.decode(list.bits(), list.encodeLst());

    assertThat(decoded).isEqualTo(list);
    assertThat(decoded.size()).isEqualTo(list.size());
    assertThat(decoded.toBytes()).isEqualTo(list.toBytes());
  }

  @Property(tries = 200)
  void theDraftsReadingAgreesOnEveryIndex(@ForAll("lists") Written written) {
    StatusList list = written.build();

    DraftStatusListDecoder draft = new DraftStatusListDecoder(list.bits(), list.encodeLst());

    assertThat(draft.size()).isEqualTo(list.size());
    for (long idx = 0; idx < list.size(); idx++) {
      if (draft.status(idx) != list.get(idx)) {
        throw new AssertionError("index " + idx + ": draft reads " + draft.status(idx));
      }
    }
  }

  @Property(tries = 300)
  void aRevokedIndexAlwaysReadsRevoked(
      @ForAll("lists") Written written, @ForAll @LongRange(min = 0, max = 50_000) long anyIdx) {
    StatusList list = written.build();
    long idx = anyIdx % list.size();

    list.set(idx, StatusList.INVALID);
    StatusList decoded = StatusList.decode(list.bits(), list.encodeLst());

    assertThat(decoded.get(idx)).isEqualTo(StatusList.INVALID);
    assertThat(new DraftStatusListDecoder(list.bits(), list.encodeLst()).status(idx))
        .isEqualTo(StatusList.INVALID);
  }

  @Property(tries = 100)
  void theDocumentRoundTrips(
      @ForAll("lists") Written written, @ForAll @IntRange(min = 0, max = 1000) int uriSuffix) {
    StatusListDocument document =
        StatusListDocument.of(written.build(), "https://apitoken.example/status/" + uriSuffix);

    assertThat(StatusListDocument.parse(document.toJson())).isEqualTo(document);
    assertThat(document.statusList()).isEqualTo(written.build());
  }
}
