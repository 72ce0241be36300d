package dev.apitoken.format;

/**
 * A JWS in compact serialization split by the one rule set of the format: exactly three non-empty
 * parts, each canonical base64url without padding. Both tokens and Status List Tokens are split
 * here, by the verifier and by the operator.
 */
public final class CompactJws {
  private final byte[] bytes;
  private final int secondDot;
  private final byte[] header;
  private final byte[] payload;
  private final byte[] signature;

  private CompactJws(byte[] bytes, int secondDot, byte[] header, byte[] payload, byte[] signature) {
    this.bytes = bytes;
    this.secondDot = secondDot;
    this.header = header;
    this.payload = payload;
    this.signature = signature;
  }

  /**
   * Splits and decodes {@code bytes} (the token's characters as Latin-1: any other character
   * becomes {@code '?'}, which base64url refuses).
   *
   * @throws MalformedException when it is not three non-empty canonical base64url parts
   */
  public static CompactJws split(byte[] bytes) {
    int firstDot = indexOfDot(bytes, 0);
    int secondDot = firstDot < 0 ? -1 : indexOfDot(bytes, firstDot + 1);
    if (firstDot <= 0
        || secondDot < 0
        || secondDot == firstDot + 1
        || secondDot == bytes.length - 1) {
      throw new MalformedException("not three non-empty parts");
    }
    // A third dot lands in the signature part, which then is not base64url.
    byte[] header = Base64Url.decode(bytes, 0, firstDot);
    byte[] payload = Base64Url.decode(bytes, firstDot + 1, secondDot);
    byte[] signature = Base64Url.decode(bytes, secondDot + 1, bytes.length);
    if (header == null || payload == null || signature == null) {
      throw new MalformedException("a part is not canonical base64url without padding");
    }
    return new CompactJws(bytes, secondDot, header, payload, signature);
  }

  /** The decoded protected header (JSON bytes, not yet read). */
  public byte[] header() {
    return header;
  }

  /** The decoded payload (JSON bytes, not yet read). */
  public byte[] payload() {
    return payload;
  }

  /**
   * Whether {@code key} signed this JWS and {@code alg}, the algorithm its header names, is that
   * key's algorithm: the key decides the algorithm, the header only has to agree.
   */
  public boolean signedBy(TrustedKey key, String alg) {
    return key.alg().equals(alg) && key.verify(signature, bytes, secondDot);
  }

  private static int indexOfDot(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == '.') {
        return i;
      }
    }
    return -1;
  }
}
