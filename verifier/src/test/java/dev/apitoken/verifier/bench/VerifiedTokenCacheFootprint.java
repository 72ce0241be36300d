package dev.apitoken.verifier.bench;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Instant;
import java.util.Base64;
import java.util.Random;

/**
 * Heap per entry of the verified-token cache: the used heap after full GCs, with the cache filled
 * by N distinct accepted tokens minus the same with it empty (tokens and verifier held throughout,
 * so only what the cache keeps counts: digest, index node, slot, the accepted verdict and its
 * claims).
 *
 * <pre>
 * java -cp "$CP" dev.apitoken.verifier.bench.VerifiedTokenCacheFootprint 20000
 * </pre>
 */
public final class VerifiedTokenCacheFootprint {
  private VerifiedTokenCacheFootprint() {}

  public static void main(String[] args) {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    TestKey key = TestKey.fromSeed(42);
    TokenFactory factory = new TokenFactory(key);
    Random random = new Random(7);
    long now = Instant.now().getEpochSecond();
    StatusList statusList = new StatusList(1, count);
    String[] tokens = new String[count];
    for (int i = 0; i < count; i++) {
      byte[] jti = new byte[16];
      random.nextBytes(jti);
      tokens[i] =
          factory.token(
              TokenFactory.claims(i)
                  .set("sub", "system:serviceaccount:shop:checkout-" + i)
                  .set("iat", now - 60)
                  .set("nbf", now - 60)
                  .set("exp", now + 86_400)
                  .set("jti", Base64.getUrlEncoder().withoutPadding().encodeToString(jti)));
    }
    TokenVerifier verifier =
        TokenVerifier.builder()
            .trust(
                TestKey.jwks(key),
                StatusListDocument.of(statusList, TokenFactory.STATUS_URI).toJson())
            .expectedIssuer(TokenFactory.ISSUER)
            .expectedAudience(TokenFactory.AUDIENCE)
            .verifiedTokenCache(count)
            .build();
    // Loads every class of the verification path before the first measurement.
    verifier.verify(factory.token(TokenFactory.claims(0).set("exp", now + 60)));

    long empty = usedHeapAfterGc();
    for (String token : tokens) {
      if (!verifier.verify(token).isAccepted()) {
        throw new IllegalStateException("a footprint token does not verify");
      }
    }
    long filled = usedHeapAfterGc();
    System.out.printf(
        "%,d tokens of %d chars cached: heap %,d -> %,d bytes, %,d bytes per entry (%s)%n",
        count,
        tokens[0].length(),
        empty,
        filled,
        (filled - empty) / count,
        verifier.cacheStatistics());
    Reference.reachabilityFence(tokens);
    Reference.reachabilityFence(verifier);
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
