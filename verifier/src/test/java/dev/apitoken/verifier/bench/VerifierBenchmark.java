package dev.apitoken.verifier.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.verifier.TestKey;
import dev.apitoken.verifier.TokenFactory;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import dev.apitoken.verifier.VerifiedTokenCache;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread verifications per second of the same tokens and key: our {@link TokenVerifier},
 * nimbus-jose-jwt doing the same checks, and the floor, Bouncy Castle's bare Ed25519 verification;
 * then our verifier with the verified-token cache, hitting and missing, and the candidate digests
 * for its key. Run with {@link VerifierBenchmarkMain}.
 *
 * <p>Five one-second warmups rather than three: each benchmark runs in its own fork, and C2 needs a
 * few seconds to compile Bouncy Castle's field arithmetic on a busy two-core machine; with less,
 * whichever benchmark runs first looks slower.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class VerifierBenchmark {
  static final int TOKENS = 64;
  static final int LIST_SIZE = 1 << 20;

  private String[] tokens;
  private byte[][] signingInputs;
  private byte[][] signatures;
  private long[] indices;
  private int next;

  private TokenVerifier ours;
  private TokenVerifier cached;
  private TokenVerifier churning;
  private byte[][] tokenBytes;
  private MessageDigest sha256;
  private MessageDigest sha512t256;
  private Blake3Digest blake3;
  private JWSVerifier nimbus;
  private Ed25519.PublicPoint publicPoint;
  private StatusList statusList;

  @Setup
  public void setUp() throws Exception {
    TestKey key = TestKey.fromSeed(42);
    TokenFactory factory = new TokenFactory(key);
    Random random = new Random(7);
    statusList = new StatusList(1, LIST_SIZE);
    for (int i = 0; i < LIST_SIZE / 100; i++) {
      statusList.set(random.nextInt(LIST_SIZE), StatusList.INVALID);
    }
    long now = Instant.now().getEpochSecond();
    tokens = new String[TOKENS];
    signingInputs = new byte[TOKENS][];
    signatures = new byte[TOKENS][];
    indices = new long[TOKENS];
    for (int i = 0; i < TOKENS; i++) {
      long idx;
      do {
        idx = random.nextInt(LIST_SIZE);
      } while (statusList.get(idx) != StatusList.VALID);
      indices[i] = idx;
      tokens[i] =
          factory.token(
              TokenFactory.claims(idx)
                  .set("iat", now - 60)
                  .set("nbf", now - 60)
                  .set("exp", now + 86_400)
                  .set("jti", jti(random)));
      int lastDot = tokens[i].lastIndexOf('.');
      signingInputs[i] = tokens[i].substring(0, lastDot).getBytes(StandardCharsets.US_ASCII);
      signatures[i] = Base64.getUrlDecoder().decode(tokens[i].substring(lastDot + 1));
    }

    ours = verifier(key, 0);
    cached = verifier(key, 2 * TOKENS);
    // Half the tokens: cycling through all of them, every lookup misses and evicts.
    churning = verifier(key, TOKENS / 2);
    sha256 = MessageDigest.getInstance("SHA-256");
    sha512t256 = MessageDigest.getInstance("SHA-512/256");
    blake3 = new Blake3Digest(256);
    tokenBytes = new byte[TOKENS][];
    for (int i = 0; i < TOKENS; i++) {
      tokenBytes[i] = tokens[i].getBytes(StandardCharsets.US_ASCII);
      if (!cached.verify(tokens[i]).isAccepted()) {
        throw new IllegalStateException("a benchmark token does not verify");
      }
    }
    nimbus = new Ed25519Verifier(key.toNimbus().toPublicJWK());
    publicPoint = Ed25519.validatePublicKeyFullExport(key.publicKey(), 0);
    for (String token : tokens) {
      if (!ours.verify(token).isAccepted() || !nimbus(token) || !bouncyCastle(token)) {
        throw new IllegalStateException("a benchmark token does not verify");
      }
    }
  }

  private TokenVerifier verifier(TestKey key, int cacheSize) {
    return TokenVerifier.builder()
        .trust(
            TestKey.jwks(key), StatusListDocument.of(statusList, TokenFactory.STATUS_URI).toJson())
        .expectedIssuer(TokenFactory.ISSUER)
        .expectedAudience(TokenFactory.AUDIENCE)
        .verifiedTokenCache(cacheSize)
        .build();
  }

  @TearDown
  public void checkTheCacheBenchmarksMeasuredWhatTheySay() {
    VerifiedTokenCache.Statistics hitting = cached.cacheStatistics();
    VerifiedTokenCache.Statistics missing = churning.cacheStatistics();
    if (hitting.misses() != TOKENS || missing.hits() != 0) {
      throw new IllegalStateException(
          "cacheHit saw " + hitting + ", cacheMiss saw " + missing + ": not all hits / misses");
    }
  }

  private static String jti(Random random) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private int nextToken() {
    int i = next;
    next = (i + 1) & (TOKENS - 1);
    return i;
  }

  /** (a) Our verifier: parse, signature, claims and status list lookup. */
  @Benchmark
  public Verdict ours() {
    return ours.verify(tokens[nextToken()]);
  }

  /** (b) nimbus-jose-jwt: parse, Ed25519Verifier, the same claim checks and status lookup. */
  @Benchmark
  public boolean nimbus() throws Exception {
    return nimbus(tokens[nextToken()]);
  }

  private boolean nimbus(String token) throws Exception {
    SignedJWT jwt = SignedJWT.parse(token);
    JWSHeader header = jwt.getHeader();
    if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm()) || header.getKeyID() == null) {
      return false;
    }
    if (!jwt.verify(nimbus)) {
      return false;
    }
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    Date now = new Date();
    if (!TokenFactory.ISSUER.equals(claims.getIssuer())
        || claims.getSubject() == null
        || claims.getJWTID() == null
        || !claims.getAudience().contains(TokenFactory.AUDIENCE)
        || claims.getExpirationTime() == null
        || !now.before(claims.getExpirationTime())
        || claims.getNotBeforeTime() == null
        || now.before(claims.getNotBeforeTime())) {
      return false;
    }
    Map<String, Object> status = claims.getJSONObjectClaim("status");
    @SuppressWarnings("unchecked")
    Map<String, Object> statusListClaim = (Map<String, Object>) status.get("status_list");
    long idx = ((Number) statusListClaim.get("idx")).longValue();
    return TokenFactory.STATUS_URI.equals(statusListClaim.get("uri"))
        && idx < statusList.size()
        && statusList.get(idx) == StatusList.VALID;
  }

  /** (c) The floor: Bouncy Castle's Ed25519 verification alone, key point precomputed. */
  @Benchmark
  public boolean bouncyCastle() {
    int i = nextToken();
    byte[] message = signingInputs[i];
    return Ed25519.verify(signatures[i], 0, publicPoint, message, 0, message.length);
  }

  private boolean bouncyCastle(String token) {
    int i = List.of(tokens).indexOf(token);
    byte[] message = signingInputs[i];
    return Ed25519.verify(signatures[i], 0, publicPoint, message, 0, message.length);
  }

  /**
   * (e) A verified-token cache hit: SHA-256 of the token, lookup, key still trusted, exp/nbf and
   * the status bit checked again.
   */
  @Benchmark
  public Verdict cacheHit() {
    return cached.verify(tokens[nextToken()]);
  }

  /** (f) A cache miss: the digest and lookup on top of (a), plus an insert that evicts. */
  @Benchmark
  public Verdict cacheMiss() {
    return churning.verify(tokens[nextToken()]);
  }

  /** (g) What a hit spends on the key alone, SHA-256 of the token (SHA-NI where the CPU has it). */
  @Benchmark
  public byte[] digestSha256() {
    return sha256.digest(tokenBytes[nextToken()]);
  }

  /** (h) The alternative for CPUs without SHA instructions: SHA-512/256, 64-bit words. */
  @Benchmark
  public byte[] digestSha512t256() {
    return sha512t256.digest(tokenBytes[nextToken()]);
  }

  /** (i) BLAKE3 (Bouncy Castle, pure Java), 256 bits. */
  @Benchmark
  public byte[] digestBlake3() {
    byte[] token = tokenBytes[nextToken()];
    blake3.update(token, 0, token.length);
    byte[] out = new byte[32];
    blake3.doFinal(out, 0);
    return out;
  }

  /** (d) One status list lookup. */
  @Benchmark
  public int statusListLookup() {
    return statusList.get(indices[nextToken()]);
  }
}
