package dev.apitoken.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.operator.token.StatusListTokenSigner;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a shard's copy holds is computed once per change of its inputs and signed only when due. */
class ShardDocumentsTest {
  private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
  private static final long TWO_SHARDS = (1L << 21) + 1024;
  private final MutableClock clock = new MutableClock(NOW);
  private final StatusListTokenSigner signer =
      new StatusListTokenSigner(Duration.ofHours(1), Duration.ofSeconds(30), clock);
  private final KeyRing ring = KeyRing.create(NOW, new SecureRandom());
  private final SigningKey key = ring.activeKey();
  private final ShardDocuments documents =
      new ShardDocuments("https://apitoken.example/statuslist", signer);
  private final StatusListToken.Signed claims = new StatusListToken.Signed(1, 100, Map.of());

  private String token(Map<String, String> files, int k) {
    return files.get(TrustDocument.statusListTokenKey(k));
  }

  @Test
  void unchangedInputsAreNeitherReEncodedNorReSigned() {
    RevokedRecords ledger = RevokedRecords.empty();
    Map<String, String> unsigned = documents.unsignedFiles(0, ring.publicJwks(), ledger, 1024);
    Map<String, String> first = documents.files(0, unsigned, key, claims, () -> null);
    clock.advance(Duration.ofMinutes(1));

    assertThat(documents.unsignedFiles(0, ring.publicJwks(), ledger, 1024)).isSameAs(unsigned);
    assertThat(token(documents.files(0, unsigned, key, claims, () -> null), 0))
        .isEqualTo(token(first, 0));
    assertThat(documents.heartbeatDue()).isFalse();
  }

  @Test
  void aRevocationReEncodesOnlyItsShardAndChangesItsDigest() {
    RevokedRecords before = RevokedRecords.empty();
    Map<String, String> shard0 = documents.unsignedFiles(0, ring.publicJwks(), before, TWO_SHARDS);
    Map<String, String> shard1 = documents.unsignedFiles(1, ring.publicJwks(), before, TWO_SHARDS);
    String digest0 = documents.digest(0);
    RevokedRecords after =
        before.with(List.of(IssueRecord.revokedUnowned(7, NOW.plus(Duration.ofDays(1)))));

    assertThat(documents.unsignedFiles(1, ring.publicJwks(), after, TWO_SHARDS)).isSameAs(shard1);
    assertThat(documents.unsignedFiles(0, ring.publicJwks(), after, TWO_SHARDS))
        .isNotEqualTo(shard0);
    assertThat(documents.digest(0)).isNotEqualTo(digest0);
  }

  @Test
  void newClaimsAKeyChangeAndTheHeartbeatEachSignAgain() {
    Map<String, String> unsigned =
        documents.unsignedFiles(0, ring.publicJwks(), RevokedRecords.empty(), 1024);
    String first = token(documents.files(0, unsigned, key, claims, () -> null), 0);

    StatusListToken.Signed next = new StatusListToken.Signed(2, 100, Map.of());
    String withNewClaims = token(documents.files(0, unsigned, key, next, () -> null), 0);
    assertThat(withNewClaims).isNotEqualTo(first);
    assertThat(StatusListToken.readUnverified(withNewClaims).version()).isEqualTo(2);

    SigningKey other = KeyRing.create(NOW, new SecureRandom()).activeKey();
    assertThat(
            StatusListToken.readUnverified(
                    token(documents.files(0, unsigned, other, next, () -> null), 0))
                .kid())
        .isEqualTo(other.kid());

    clock.advance(Duration.ofMinutes(16));
    assertThat(documents.heartbeatDue()).isTrue();
    String resigned = token(documents.files(0, unsigned, other, next, () -> null), 0);
    assertThat(StatusListToken.readUnverified(resigned).issuedAt())
        .isEqualTo(clock.instant().getEpochSecond());
  }

  @Test
  void aFreshTokenOfOursFoundInTheOwnCopyIsKeptSoARestartRewritesNothing() {
    Map<String, String> unsigned =
        documents.unsignedFiles(0, ring.publicJwks(), RevokedRecords.empty(), 1024);
    String before = token(documents.files(0, unsigned, key, claims, () -> null), 0);
    clock.advance(Duration.ofMinutes(2));

    ShardDocuments restarted = new ShardDocuments("https://apitoken.example/statuslist", signer);
    Map<String, String> again =
        restarted.unsignedFiles(0, ring.publicJwks(), RevokedRecords.empty(), 1024);

    assertThat(token(restarted.files(0, again, key, claims, () -> before), 0)).isEqualTo(before);
    ShardDocuments withoutIt = new ShardDocuments("https://apitoken.example/statuslist", signer);
    assertThat(token(withoutIt.files(0, again, key, claims, () -> "not.a.token"), 0))
        .as("signed anew (this minute's iat) when the copy holds nothing of ours")
        .isNotEqualTo(before);
  }
}
