package dev.apitoken.operator.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * (c) The status list the operator publishes decodes, with a reader written here from the IETF
 * OAuth Token Status List draft alone, to exactly the revocations on the ledger, index by index;
 * and our verifier's reader agrees with it everywhere.
 */
class PublishedStatusListDecodesPerDraftTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");

  /** What the draft says, and nothing of our code: see {@link #statusOf}. */
  record DraftStatusList(int bits, String uri, byte[] bytes) {
    long size() {
      return (long) bytes.length * 8 / bits;
    }
  }

  /**
   * "lst": base64url (no padding) of the zlib-compressed (RFC 1950) byte array; {@code bits} status
   * bits per token.
   */
  static DraftStatusList decode(String statusListJson) throws Exception {
    JsonNode document = JSON.readTree(statusListJson);
    assertThat(document.get("bits").isInt()).isTrue();
    String lst = document.get("lst").asText();
    assertThat(lst).as("base64url without padding").matches("[A-Za-z0-9_-]+");
    byte[] compressed = Base64.getUrlDecoder().decode(lst);
    // RFC 1950: CM = 8 (deflate), CINFO <= 7, and CMF*256 + FLG a multiple of 31.
    assertThat(compressed[0] & 0x0F).isEqualTo(8);
    assertThat((compressed[0] & 0xFF) >>> 4).isLessThanOrEqualTo(7);
    assertThat(((compressed[0] & 0xFF) * 256 + (compressed[1] & 0xFF)) % 31).isZero();
    return new DraftStatusList(
        document.get("bits").asInt(), document.get("uri").asText(), inflate(compressed));
  }

  private static byte[] inflate(byte[] zlib) throws DataFormatException {
    Inflater inflater = new Inflater(); // expects the zlib header and checksum
    try {
      inflater.setInput(zlib);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new AssertionError("truncated zlib stream");
        }
        out.write(buffer, 0, n);
      }
      assertThat(inflater.getRemaining()).as("bytes after the zlib stream").isZero();
      return out.toByteArray();
    } finally {
      inflater.end();
    }
  }

  /** The draft: token i has bits [i*bits, (i+1)*bits), counted from the LSB of byte 0. */
  static int statusOf(DraftStatusList list, long index) {
    int status = 0;
    for (int k = 0; k < list.bits(); k++) {
      long bit = index * list.bits() + k;
      int value = (list.bytes()[(int) (bit / 8)] >>> (int) (bit % 8)) & 1;
      status |= value << k;
    }
    return status;
  }

  private static String publish(RevokedRecords ledger, long reservedUpTo) {
    return TrustDocument.compose(
            InteropFixtures.rotatedRing().publicJwks(),
            ledger,
            reservedUpTo,
            InteropFixtures.STATUS_URI)
        .get(TrustDocument.STATUS_LIST_KEY);
  }

  private static RevokedRecords ledgerOf(Set<Integer> indices) {
    List<IssueRecord> revoked = new ArrayList<>();
    int day = 0;
    for (int index : indices) {
      // Spread over several expiry days: the published list is the union of the ledger's days.
      revoked.add(IssueRecord.revokedUnowned(index, NOW.plus(Duration.ofDays(day++ % 5))));
    }
    return RevokedRecords.empty().with(revoked);
  }

  private static void assertAgreesEverywhere(String json, Set<Integer> revoked) throws Exception {
    DraftStatusList draft = decode(json);
    StatusList ours = StatusListDocument.parse(json).statusList();
    assertThat(draft.bits()).isEqualTo(1);
    assertThat(draft.uri()).isEqualTo(InteropFixtures.STATUS_URI);
    assertThat(ours.size()).isEqualTo(draft.size());
    for (long index = 0; index < draft.size(); index++) {
      int expected = revoked.contains((int) index) ? 1 : 0;
      int status = statusOf(draft, index);
      if (status != expected || ours.get(index) != expected) {
        throw new AssertionError(
            "index "
                + index
                + ": draft "
                + status
                + ", verifier "
                + ours.get(index)
                + ", ledger "
                + expected);
      }
    }
  }

  @Test
  void everyIndexAgreesWithTheLedgerAndTheVerifier() throws Exception {
    Set<Integer> revoked =
        new TreeSet<>(List.of(0, 1, 7, 8, 9, 15, 16, 1000, 65_535, 65_536, 70_000));
    long reservedUpTo = 70_001;

    String json = publish(ledgerOf(revoked), reservedUpTo);

    DraftStatusList draft = decode(json);
    assertThat(draft.size())
        .isEqualTo(TrustDocument.coverage(reservedUpTo))
        .isGreaterThan(reservedUpTo);
    assertThat(draft.bytes()[0]).isEqualTo((byte) 0b1000_0011); // indices 0, 1, 7
    assertThat(draft.bytes()[1]).isEqualTo((byte) 0b1000_0011); // 8, 9, 15
    assertAgreesEverywhere(json, revoked);
  }

  @Test
  void emptyLedgerPublishesAllValid() throws Exception {
    assertAgreesEverywhere(publish(RevokedRecords.empty(), 0), Set.of());
  }

  @Property(tries = 50)
  void anyRevokedSetRoundTrips(
      @ForAll @Size(max = 40) Set<@IntRange(min = 0, max = 140_000) Integer> revoked)
      throws Exception {
    assertAgreesEverywhere(publish(ledgerOf(revoked), 131_072), revoked);
  }
}
