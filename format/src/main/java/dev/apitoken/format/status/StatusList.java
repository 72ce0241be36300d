package dev.apitoken.format.status;

import dev.apitoken.format.Base64Url;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
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
 *
 * <p>A list read from a shard file ({@link #decodeShard(int, String, int)}) holds only the indices
 * of its shard, {@code [firstIndex(), size())}; indices below {@link #firstIndex()} are out of
 * range too.
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
  private final long firstIndex;
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
    this(bits, bytes, 0);
  }

  private StatusList(int bits, byte[] bytes, long firstIndex) {
    this.bits = bits;
    this.mask = (1 << bits) - 1;
    this.bytes = bytes;
    this.firstIndex = firstIndex;
    this.size = firstIndex + bytes.length * 8L / bits;
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
    return new StatusList(bits, inflate(decodeBase64Url(lst), 0, MAX_BYTES));
  }

  /**
   * Decodes the {@code lst} member of shard {@code shard}'s file (see {@link StatusListShards}):
   * the whole stream is inflated and checked as by {@link #decode(int, String)}, but only the bytes
   * of indices {@code [shard * SHARD_SIZE, (shard + 1) * SHARD_SIZE)} are kept. Bits below the
   * shard mean nothing; bits beyond it belong to the next shard's file and are ignored.
   *
   * @throws StatusListFormatException as {@link #decode(int, String)} does
   * @throws IllegalArgumentException when {@code shard} is not in {@code [0, MAX_SHARDS)}
   */
  public static StatusList decodeShard(int bits, String lst, int shard) {
    if (shard < 0 || shard >= StatusListShards.MAX_SHARDS) {
      throw new IllegalArgumentException("no shard " + shard);
    }
    checkBits(bits, StatusListFormatException::new);
    if (lst == null || lst.isEmpty()) {
      throw new StatusListFormatException("lst is empty");
    }
    // A shard boundary is a multiple of 8 indices, so it falls on a byte boundary for any bits.
    long bytesPerShard = StatusListShards.SHARD_SIZE * bits / 8;
    long skip = shard * bytesPerShard;
    byte[] kept = inflate(decodeBase64Url(lst), skip, (int) bytesPerShard);
    return new StatusList(bits, kept, shard * StatusListShards.SHARD_SIZE);
  }

  /** Bits per token: 1, 2, 4 or 8. */
  public int bits() {
    return bits;
  }

  /**
   * The end of the indices this list covers: {@code 8 * bytes / bits} past {@link #firstIndex()}.
   */
  public long size() {
    return size;
  }

  /** The first index this list holds: 0, or the first index of its shard. */
  public long firstIndex() {
    return firstIndex;
  }

  /**
   * The status of token {@code idx}.
   *
   * @throws IndexOutOfBoundsException when {@code idx} is below {@link #firstIndex()} or at least
   *     {@link #size()}
   */
  public int get(long idx) {
    if (idx < firstIndex || idx >= size) {
      throw new IndexOutOfBoundsException(
          "index " + idx + " outside [" + firstIndex + ", " + size + ")");
    }
    long bitPosition = (idx - firstIndex) * bits;
    return ((bytes[(int) (bitPosition >>> 3)] & 0xFF) >>> (int) (bitPosition & 7)) & mask;
  }

  /**
   * Sets the status of token {@code idx}.
   *
   * @throws IndexOutOfBoundsException when {@code idx} is below {@link #firstIndex()} or at least
   *     {@link #size()}
   * @throws IllegalArgumentException when {@code status} does not fit in {@link #bits()} bits
   */
  public void set(long idx, int status) {
    if (idx < firstIndex || idx >= size) {
      throw new IndexOutOfBoundsException(
          "index " + idx + " outside [" + firstIndex + ", " + size + ")");
    }
    if (status < 0 || status > mask) {
      throw new IllegalArgumentException(
          "status " + status + " does not fit in " + bits + " bit(s)");
    }
    long bitPosition = (idx - firstIndex) * bits;
    int at = (int) (bitPosition >>> 3);
    int shift = (int) (bitPosition & 7);
    bytes[at] = (byte) ((bytes[at] & ~(mask << shift)) | (status << shift));
  }

  /** A copy of the byte array, which starts at {@link #firstIndex()}. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /**
   * The {@code lst} member: base64url without padding of the zlib stream (best compression) of the
   * byte array. The same list always encodes to the same string.
   */
  public String encodeLst() {
    if (firstIndex != 0) {
      throw new IllegalStateException("a list read from a shard holds only part of the document");
    }
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
      return Base64Url.encode(out.toByteArray());
    } finally {
      deflater.end();
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StatusList other
        && bits == other.bits
        && firstIndex == other.firstIndex
        && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * bits + Long.hashCode(firstIndex)) + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return firstIndex == 0
        ? "StatusList[bits=" + bits + ", size=" + size + "]"
        : "StatusList[bits=" + bits + ", indices=[" + firstIndex + ", " + size + ")]";
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
    // The format's one rule: canonical base64url only (no padding, no stray trailing bits).
    byte[] compressed = Base64Url.decode(lst);
    if (compressed == null) {
      throw new StatusListFormatException("lst is not canonical base64url without padding");
    }
    return compressed;
  }

  /**
   * Inflates all of {@code compressed}, checking it is one complete zlib stream of at most {@link
   * #MAX_BYTES}, and returns only the inflated bytes {@code [skip, skip + keep)} (fewer when the
   * stream ends before).
   */
  private static byte[] inflate(byte[] compressed, long skip, int keep) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(compressed);
      ByteArrayOutputStream out =
          new ByteArrayOutputStream(
              Math.min(keep, Math.min(MAX_BYTES, Math.max(64, compressed.length * 4))));
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
        long start = total;
        total += n;
        if (total > MAX_BYTES) {
          throw new StatusListFormatException("lst inflates to more than " + MAX_BYTES + " bytes");
        }
        // The part of [start, total) that falls in [skip, skip + keep).
        long from = Math.max(start, skip);
        long to = Math.min(total, skip + keep);
        if (from < to) {
          out.write(buffer, (int) (from - start), (int) (to - from));
        }
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
