package dev.apitoken.verifier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 of a whole token, as the key of {@link VerifiedTokenCache}: the token itself is never
 * kept. Covering every byte (not only the signature) means a token that reuses a cached token's
 * signature with another header or payload has another digest, and so goes through the signature
 * check. SHA-256 because the JVM computes it with the CPU's SHA instructions where they exist (x86
 * SHA-NI, ARMv8 SHA2), which makes it cheaper per byte than a pure-Java BLAKE2 or SHA-512/256.
 */
final class TokenDigest {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final ThreadLocal<Hasher> HASHERS = ThreadLocal.withInitial(Hasher::new);

  private final long word0;
  private final long word1;
  private final long word2;
  private final long word3;

  private TokenDigest(byte[] sha256) {
    this.word0 = (long) LONGS.get(sha256, 0);
    this.word1 = (long) LONGS.get(sha256, 8);
    this.word2 = (long) LONGS.get(sha256, 16);
    this.word3 = (long) LONGS.get(sha256, 24);
  }

  /** The digest of {@code token[0, token.length)}. */
  static TokenDigest of(byte[] token) {
    return HASHERS.get().digest(token);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TokenDigest that
        && word0 == that.word0
        && word1 == that.word1
        && word2 == that.word2
        && word3 == that.word3;
  }

  @Override
  public int hashCode() {
    // Uniform already; only tokens that verified are ever stored, so nobody can aim at a bucket.
    return (int) word0;
  }

  @Override
  public String toString() {
    return "TokenDigest"; // a token's digest identifies the token: not for logs either
  }

  /** One per thread: a MessageDigest is not thread-safe, and looking one up per call costs more. */
  private static final class Hasher {
    private final MessageDigest sha256;
    private final byte[] out = new byte[32];

    Hasher() {
      try {
        sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
      }
    }

    TokenDigest digest(byte[] token) {
      sha256.update(token);
      try {
        sha256.digest(out, 0, out.length);
      } catch (DigestException e) {
        throw new IllegalStateException("a 32-byte buffer holds a SHA-256", e);
      }
      return new TokenDigest(out);
    }
  }
}
