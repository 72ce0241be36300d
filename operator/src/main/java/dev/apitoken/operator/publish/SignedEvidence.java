package dev.apitoken.operator.publish;

import dev.apitoken.format.TrustedKey;
import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.format.status.StatusListTokenException;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.token.KeyRevocationStatement;
import dev.apitoken.operator.token.RevokedKids;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * What the operator's own signed Status List Tokens say, read from the copies in the namespaces it
 * trusts (its own and the selected ones): the revoked indices, the highest publication version, the
 * index reservation and the revoked signing keys. This is the only way anything in a copy is read
 * back: a Status List Token counts only when its signature verifies with one of the operator's own
 * keys (from the key-ring Secret, never from a copy's {@code jwks.json}) and its {@code sub} is the
 * shard's URI. Unsigned files ({@code status-list.json}) and annotations are never read, so a
 * tenant who can edit a ConfigMap can change nothing; replaying one of our older lists only repeats
 * revocations that were made.
 *
 * @param revoked indices revoked in a verified list that may still matter (a list signed longer
 *     than max-ttl plus the retention ago can only show expired tokens: its bits are left out)
 * @param version the highest {@code ver} of a verified list (0: none)
 * @param reservedIndices the highest {@code idx_reserved} of a verified list (its coverage for a
 *     list without the claim)
 * @param revokedKids the union of the verified lists' {@code revoked_kids}, and of the keys whose
 *     own statement of revocation ({@code kid_revocations}, in any well-formed list, whoever signed
 *     the list) verifies with that very key of the ring
 * @param keyRevocations those statements
 * @param verified how many copies carried a verified list
 * @param refused how many copies in trusted namespaces carried a list that did not verify
 */
public record SignedEvidence(
    BitSet revoked,
    long version,
    long reservedIndices,
    RevokedKids revokedKids,
    java.util.List<String> keyRevocations,
    int verified,
    int refused) {

  public static final SignedEvidence NONE =
      new SignedEvidence(new BitSet(), 0, 0, RevokedKids.none(), java.util.List.of(), 0, 0);

  /** A copy's shard files, as listed: namespace, ConfigMap name and data. */
  public record Copy(String namespace, String name, Map<String, String> data) {}

  /**
   * Reads the evidence in {@code copies}.
   *
   * @param trustedNamespaces only copies in these namespaces are read
   * @param ownKeys the public keys of the operator's key ring, by kid
   * @param revokedKids kids known revoked: a list they signed is no evidence (their holder may be
   *     anyone now)
   * @param maxTokenLifetime max-ttl: a list signed longer ago than this plus the retention after
   *     expiry shows only tokens that no verifier accepts any more
   */
  public static SignedEvidence read(
      Collection<Copy> copies,
      Set<String> trustedNamespaces,
      Map<String, TrustedKey> ownKeys,
      Set<String> revokedKids,
      String trustName,
      String statusListUri,
      Duration maxTokenLifetime,
      Instant now) {
    // Each shard's list, once per distinct content (the same bytes sit in every namespace).
    Map<String, Integer> lists = new java.util.LinkedHashMap<>();
    Map<String, Integer> copiesOf = new java.util.HashMap<>();
    for (Copy copy : copies) {
      int shard = TrustDocument.shardOf(trustName, copy.name());
      String compact =
          shard < 0 || copy.data() == null
              ? null
              : copy.data().get(TrustDocument.statusListTokenKey(shard));
      if (compact != null && trustedNamespaces.contains(copy.namespace())) {
        lists.putIfAbsent(compact.strip(), shard);
        copiesOf.merge(compact.strip(), 1, Integer::sum);
      }
    }
    // First the keys' own statements of revocation: they count whoever signed the list carrying
    // them (a restored ring may lack that key), and a key they revoke verifies no list below.
    TrustedKeys ring = TrustedKeys.of(ownKeys);
    RevokedKids kids = RevokedKids.none();
    Set<String> statements = new java.util.TreeSet<>();
    for (String compact : lists.keySet()) {
      try {
        for (String statement : StatusListToken.readUnverified(compact).signed().keyRevocations()) {
          var proven = KeyRevocationStatement.verify(statement, ring);
          if (proven.isPresent() && statements.add(statement)) {
            kids = kids.with(proven.get().kid(), proven.get().revokedAt());
          }
        }
      } catch (RuntimeException malformed) {
        // refused below
      }
    }
    Map<String, TrustedKey> usable = new java.util.HashMap<>(ownKeys);
    usable.keySet().removeAll(revokedKids);
    usable.keySet().removeAll(kids.kids());
    TrustedKeys trusted = TrustedKeys.of(usable);

    BitSet revoked = new BitSet();
    long version = 0;
    long reserved = 0;
    int verified = 0;
    int refused = 0;
    for (Map.Entry<String, Integer> entry : lists.entrySet()) {
      int shard = entry.getValue();
      int count = copiesOf.get(entry.getKey());
      StatusListToken token;
      StatusList list;
      try {
        token = StatusListToken.parse(entry.getKey(), trusted);
        if (!TrustDocument.shardUri(statusListUri, shard).equals(token.subject())) {
          throw new StatusListTokenException(
              StatusListTokenException.Problem.MALFORMED, "sub is not the shard's URI");
        }
        list = token.statusList(shard);
      } catch (RuntimeException notOurs) {
        refused += count;
        continue;
      }
      verified += count;
      StatusListToken.Signed claims = token.signed();
      version = Math.max(version, claims.version());
      // The signed reservation says exactly how far indices were handed out; a list's length
      // rounds that up (a fresh install's first list covers 65,536), so it counts only for lists
      // written before the claim existed.
      reserved =
          Math.max(
              reserved, claims.reservedIndices() >= 0 ? claims.reservedIndices() : list.size());
      for (Map.Entry<String, Long> kid : claims.revokedKids().entrySet()) {
        kids = kids.with(kid.getKey(), Instant.ofEpochSecond(kid.getValue()));
      }
      Instant signedAt = Instant.ofEpochSecond(token.issuedAt());
      if (signedAt.plus(maxTokenLifetime).plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(now)) {
        revoked.or(revokedIn(list, shard));
      }
    }
    return new SignedEvidence(
        revoked, version, reserved, kids, java.util.List.copyOf(statements), verified, refused);
  }

  /** The indices of {@code shard} whose status is not VALID (a verifier rejects every one). */
  static BitSet revokedIn(StatusList list, int shard) {
    BitSet bits = new BitSet();
    long from = Math.max(list.firstIndex(), shard * IndexSpace.COPY_SHARD_SIZE);
    long to = Math.min(list.size(), (shard + 1) * IndexSpace.COPY_SHARD_SIZE);
    for (long i = from; i < to; i++) {
      if (list.get(i) != StatusList.VALID) {
        bits.set(Math.toIntExact(i));
      }
    }
    return bits;
  }
}
