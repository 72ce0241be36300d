package dev.apitoken.verifier.status;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Function;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The status bit array of the IETF OAuth Token Status List draft: every token index owns {@code
 * bits} bits, token {@code idx} at byte {@code idx*bits/8}, shifted {@code (idx*bits)%8} from the
 * least significant bit.
 *
 * <p>The list always covers whole bytes, so {@link #size()} is {@code 8*bytes/bits}: an index at or
 * beyond it is out of range. Reads are safe from many threads once no thread writes; a list that is
 * still being filled in must not be shared.
 */
public final class StatusList {
  /** The token is valid. */
  public static final int VALID = 0;

  /** The token is revoked, for good. */
  public static final int INVALID = 1;

  /** The token is suspended; the verifier treats every status other than VALID as revoked. */
  public static final int SUSPENDED = 2;

  /**
   * The largest byte array a list may have, decoded or built: a zlib stream of a few kilobytes can
   * otherwise inflate to gigabytes.
   */
  public static final int MAX_BYTES = 64 * 1024 * 1024;

  private final int bits;
  private final int mask;
  private final long size;
  private final byte[] bytes;

  /**
   * A list where every index is {@link #VALID}.
   *
   * @param bits bits per token: 1, 2, 4 or 8
   * @param size the number of indices at least; rounded up so that the list fills whole bytes
   */
  public StatusList(int bits, long size) {
    this(checkBits(bits, IllegalArgumentException::new), new byte[byteLength(bits, size)]);
  }

  private StatusList(int bits, byte[] bytes) {
    this.bits = bits;
    this.mask = (1 << bits) - 1;
    this.bytes = bytes;
    this.size = bytes.length * 8L / bits;
  }

  /** A list over a copy of {@code bytes}, as the draft lays them out. */
  public static StatusList ofBytes(int bits, byte[] bytes) {
    checkBits(bits, IllegalArgumentException::new);
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "a status list has at most " + MAX_BYTES + " bytes, got " + bytes.length);
    }
    return new StatusList(bits, bytes.clone());
  }

  /**
   * Decodes the {@code lst} member of a status list document: base64url without padding of the zlib
   * (RFC 1950) compressed byte array.
   *
   * @throws StatusListFormatException when {@code bits} is not 1, 2, 4 or 8, {@code lst} is not
   *     canonical base64url, is not one complete zlib stream, or inflates beyond {@link #MAX_BYTES}
   */
  public static StatusList decode(int bits, String lst) {
    checkBits(bits, StatusListFormatException::new);
    if (lst == null || lst.isEmpty()) {
      throw new StatusListFormatException("lst is empty");
    }
    return new StatusList(bits, inflate(decodeBase64Url(lst)));
  }

  /** Bits per token: 1, 2, 4 or 8. */
  public int bits() {
    return bits;
  }

  /** The number of indices: {@code 8 * bytes / bits}. */
  public long size() {
    return size;
  }

  /**
   * The status of token {@code idx}.
   *
   * @throws IndexOutOfBoundsException when {@code idx} is negative or at least {@link #size()}
   */
  public int get(long idx) {
    if (idx < 0 || idx >= size) {
      throw new IndexOutOfBoundsException("index " + idx + " outside [0, " + size + ")");
    }
    long bitPosition = idx * bits;
    return ((bytes[(int) (bitPosition >>> 3)] & 0xFF) >>> (int) (bitPosition & 7)) & mask;
  }

  /**
   * Sets the status of token {@code idx}.
   *
   * @throws IndexOutOfBoundsException when {@code idx} is negative or at least {@link #size()}
   * @throws IllegalArgumentException when {@code status} does not fit in {@link #bits()} bits
   */
  public void set(long idx, int status) {
    if (idx < 0 || idx >= size) {
      throw new IndexOutOfBoundsException("index " + idx + " outside [0, " + size + ")");
    }
    if (status < 0 || status > mask) {
      throw new IllegalArgumentException(
          "status " + status + " does not fit in " + bits + " bit(s)");
    }
    long bitPosition = idx * bits;
    int at = (int) (bitPosition >>> 3);
    int shift = (int) (bitPosition & 7);
    bytes[at] = (byte) ((bytes[at] & ~(mask << shift)) | (status << shift));
  }

  /** A copy of the byte array. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /**
   * The {@code lst} member: base64url without padding of the zlib stream (best compression) of the
   * byte array. The same list always encodes to the same string.
   */
  public String encodeLst() {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    try {
      deflater.setInput(bytes);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, bytes.length / 8));
      byte[] buffer = new byte[8192];
      while (!deflater.finished()) {
        int n = deflater.deflate(buffer);
        out.write(buffer, 0, n);
      }
      return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
    } finally {
      deflater.end();
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StatusList other && bits == other.bits && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return 31 * bits + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "StatusList[bits=" + bits + ", size=" + size + "]";
  }

  private static int byteLength(int bits, long size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative, got " + size);
    }
    if (size > MAX_BYTES * 8L / bits) {
      throw new IllegalArgumentException(
          "a status list of "
              + bits
              + " bit(s) holds at most "
              + MAX_BYTES * 8L / bits
              + " tokens");
    }
    return (int) ((size * bits + 7) / 8);
  }

  private static int checkBits(int bits, Function<String, ? extends RuntimeException> error) {
    if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
      throw error.apply("bits must be 1, 2, 4 or 8, got " + bits);
    }
    return bits;
  }

  private static byte[] decodeBase64Url(String lst) {
    byte[] compressed;
    try {
      compressed = Base64.getUrlDecoder().decode(lst);
    } catch (IllegalArgumentException e) {
      throw new StatusListFormatException("lst is not base64url: " + e.getMessage(), e);
    }
    // Re-encoding catches padding and non-zero trailing bits, which the JDK decoder tolerates.
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(compressed).equals(lst)) {
      throw new StatusListFormatException(
          "lst is not canonical base64url (padding or non-zero trailing bits)");
    }
    return compressed;
  }

  private static byte[] inflate(byte[] compressed) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(compressed);
      ByteArrayOutputStream out =
          new ByteArrayOutputStream(Math.min(MAX_BYTES, Math.max(64, compressed.length * 4)));
      byte[] buffer = new byte[65536];
      long total = 0;
      int stalls = 0;
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && !inflater.finished()) {
          if (inflater.needsDictionary()) {
            throw new StatusListFormatException("lst zlib stream needs a preset dictionary");
          }
          if (inflater.needsInput()) {
            throw new StatusListFormatException("lst zlib stream is truncated");
          }
          if (++stalls > 3) {
            throw new StatusListFormatException("lst zlib stream makes no progress");
          }
          continue;
        }
        total += n;
        if (total > MAX_BYTES) {
          throw new StatusListFormatException("lst inflates to more than " + MAX_BYTES + " bytes");
        }
        out.write(buffer, 0, n);
      }
      if (inflater.getRemaining() > 0) {
        throw new StatusListFormatException("lst has bytes after the end of the zlib stream");
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new StatusListFormatException("lst is not a zlib stream: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }
}
