package dev.apitoken.verifier;

import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListToken;
import java.util.BitSet;
import java.util.Map;

/**
 * A running workload's verifier, for the model test: the library's own {@link StatusListLedger}
 * (the part that decides which list counts and keeps every revocation it saw), fed the signed list
 * of every version of one trust copy, in order, with the operator's pinned public keys. Lives in
 * the verifier's package to reach that ledger without files or threads.
 */
public final class ModelVerifier {
  private final StatusListLedger ledger;
  private final TrustedKeys keys;
  private final String uri;

  /** Every index of an accepted list that was not VALID: must never read VALID again. */
  private final BitSet seenRevoked = new BitSet();

  private long accepted;
  private long refused;

  public ModelVerifier(String jwksJson, String uri) {
    this.ledger =
        new StatusListLedger(TokenVerifier.DEFAULT_LEEWAY.toMillis(), /* maxAgeMillis */ -1);
    this.keys = TrustedKeys.parse(jwksJson);
    this.uri = uri;
  }

  /**
   * A new version of the mounted copy, read at {@code nowMillis}: its Status List Token (shard 0)
   * is offered as the library would; a list that does not verify or is refused changes nothing.
   */
  public void mounted(Map<String, String> files, long nowMillis) {
    String jwt =
        files == null ? null : files.get(dev.apitoken.format.TrustFiles.statusListToken(0));
    if (jwt == null) {
      return;
    }
    HeldStatusList held;
    try {
      StatusListToken token = StatusListToken.parse(jwt.strip(), keys);
      if (!uri.equals(token.subject())) {
        return;
      }
      held =
          new HeldStatusList(
              token.subject(),
              token.statusList(0),
              token.version(),
              token.issuedAt(),
              token.expiresAt(),
              token.kid(),
              "status-list.jwt");
      ledger.check(held, nowMillis);
    } catch (IllegalArgumentException notAccepted) {
      refused++;
      return;
    }
    ledger.offer(held, nowMillis);
    accepted++;
    // One bit per index in shard 0 (the model issues no other): a set bit is a status not VALID.
    seenRevoked.or(BitSet.valueOf(held.list().toBytes()));
  }

  /** True when the verifier, now, treats {@code idx} as revoked (or does not accept it). */
  public boolean rejects(long idx, long nowMillis) {
    return rejects(ledger.snapshot(keys).get(uri), idx, nowMillis);
  }

  private static boolean rejects(KnownStatusList known, long idx, long nowMillis) {
    if (known == null) {
      return true;
    }
    if (known.revoked(idx)) {
      return true;
    }
    return known.status(idx, nowMillis, -1) != StatusList.VALID;
  }

  /** The first index once seen revoked in an accepted list that reads VALID now; -1 when none. */
  public long unrevoked(long nowMillis) {
    KnownStatusList known = ledger.snapshot(keys).get(uri);
    for (int i = seenRevoked.nextSetBit(0); i >= 0; i = seenRevoked.nextSetBit(i + 1)) {
      if (!rejects(known, i, nowMillis)) {
        return i;
      }
    }
    return -1;
  }

  public long accepted() {
    return accepted;
  }

  public long refused() {
    return refused;
  }
}
