package dev.apitoken.format.status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.BitSet;
import java.util.zip.InflaterInputStream;

/**
 * A deliberately naive status list reader written from the draft's text, sharing no code with
 * {@link StatusList}: "the status of the Referenced Token at index i is in bits i*bits to
 * (i+1)*bits-1 of the byte array, counted from the least significant bit of byte 0". {@link
 * BitSet#valueOf(byte[])} numbers bits exactly that way.
 */
final class DraftStatusListDecoder {
  private final int bits;
  private final BitSet bitSet;
  private final int byteLength;

  DraftStatusListDecoder(int bits, String lst) {
    this.bits = bits;
    byte[] compressed = Base64.getUrlDecoder().decode(lst);
    try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(compressed))) {
      byte[] bytes = in.readAllBytes();
      this.byteLength = bytes.length;
      this.bitSet = BitSet.valueOf(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long size() {
    return (long) byteLength * 8 / bits;
  }

  int status(long index) {
    int status = 0;
    for (int k = 0; k < bits; k++) {
      if (bitSet.get((int) (index * bits + k))) {
        status |= 1 << k;
      }
    }
    return status;
  }
}
