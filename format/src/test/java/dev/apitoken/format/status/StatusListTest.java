package dev.apitoken.format.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class StatusListTest {

  /** The one-bit example of the draft: statuses 1,0,0,1,1,1,0,1, 1,1,0,0,0,1,0,1. */
  @Test
  void oneBitExampleOfTheDraft() {
    int[] statuses = {1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1};
    StatusList list = new StatusList(1, statuses.length);
    for (int i = 0; i < statuses.length; i++) {
      list.set(i, statuses[i]);
    }

    assertThat(list.toBytes()).containsExactly(0xB9, 0xA3);
    assertThat(list.encodeLst()).isEqualTo("eNrbuRgAAhcBXQ");
    StatusList decoded = StatusList.decode(1, "eNrbuRgAAhcBXQ");
    for (int i = 0; i < statuses.length; i++) {
      assertThat(decoded.get(i)).as("index %d", i).isEqualTo(statuses[i]);
    }
  }

  /** The two-bit example of the draft: statuses 1,2,0,3, 0,1,0,1, 1,2,3,3. */
  @Test
  void twoBitExampleOfTheDraft() {
    int[] statuses = {1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3};
    StatusList list = new StatusList(2, statuses.length);
    for (int i = 0; i < statuses.length; i++) {
      list.set(i, statuses[i]);
    }

    assertThat(list.toBytes()).containsExactly(0xC9, 0x44, 0xF9);
    assertThat(list.encodeLst()).isEqualTo("eNo76fITAAPfAgc");
    assertThat(StatusList.decode(2, "eNo76fITAAPfAgc")).isEqualTo(list);
  }

  @Test
  void sizeCoversWholeBytes() {
    assertThat(new StatusList(1, 10).size()).isEqualTo(16);
    assertThat(new StatusList(2, 10).size()).isEqualTo(12);
    assertThat(new StatusList(8, 10).size()).isEqualTo(10);
    assertThat(new StatusList(4, 0).size()).isZero();
  }

  @Test
  void setLeavesNeighboursAlone() {
    StatusList list = new StatusList(4, 4);
    list.set(1, 0xF);
    list.set(2, 0x5);
    list.set(1, 0x2);

    assertThat(list.get(0)).isZero();
    assertThat(list.get(1)).isEqualTo(2);
    assertThat(list.get(2)).isEqualTo(5);
    assertThat(list.get(3)).isZero();
    assertThat(list.toBytes()).containsExactly(0x20, 0x05);
  }

  @Test
  void indexAndStatusAreChecked() {
    StatusList list = new StatusList(2, 8);
    assertThatThrownBy(() -> list.get(8)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> list.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> list.set(8, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> list.set(0, 4)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> list.set(0, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StatusList(3, 8)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StatusList(1, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StatusList(1, StatusList.MAX_BYTES * 8L + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void encodingIsDeterministic() {
    StatusList a = new StatusList(1, 100_000);
    StatusList b = new StatusList(1, 100_000);
    for (long idx : new long[] {3, 99, 4242, 99_999}) {
      a.set(idx, StatusList.INVALID);
      b.set(idx, StatusList.INVALID);
    }
    assertThat(a.encodeLst()).isEqualTo(b.encodeLst());
    // zlib header (RFC 1950): CM 8, and 0x78DA for the best compression level.
    byte[] compressed = Base64.getUrlDecoder().decode(a.encodeLst());
    assertThat(compressed[0]).isEqualTo((byte) 0x78);
    assertThat(compressed[1]).isEqualTo((byte) 0xDA);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 3, 5, 16, -1})
  void decodeRefusesUnsupportedBits(int bits) {
    assertThatThrownBy(() -> StatusList.decode(bits, "eNrbuRgAAhcBXQ"))
        .isInstanceOf(StatusListFormatException.class)
        .hasMessageContaining("bits");
  }

  static Stream<Arguments> malformedLst() {
    String valid = "eNrbuRgAAhcBXQ";
    return Stream.of(
        Arguments.of("empty", "", "empty"),
        Arguments.of("padding", valid + "==", "canonical"),
        Arguments.of("standard alphabet", valid.replace('-', '+') + "/A", "base64url"),
        Arguments.of("non-zero trailing bits", "eNrbuRgAAhcBXR", "canonical"),
        Arguments.of("whitespace", "eNrbuRgA AhcBXQ", "base64url"),
        Arguments.of("not zlib", b64("plain bytes, no zlib".getBytes()), "zlib"),
        Arguments.of("raw deflate without the zlib header", b64(rawDeflate()), "zlib"),
        Arguments.of("gzip instead of zlib", b64(gzip()), "zlib"),
        Arguments.of("truncated", b64(truncatedZlib()), "truncated"),
        Arguments.of("bytes after the stream", b64(zlibWithTrailer()), "after"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedLst")
  void decodeRefusesMalformedLst(String name, String lst, String message) {
    assertThatThrownBy(() -> StatusList.decode(1, lst))
        .isInstanceOf(StatusListFormatException.class)
        .hasMessageContaining(message);
  }

  @Test
  void decodeRefusesAZipBomb() throws Exception {
    // 65 MiB of zeros compress to about 65 KiB.
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (DeflaterOutputStream out =
        new DeflaterOutputStream(compressed, new Deflater(Deflater.BEST_COMPRESSION))) {
      byte[] mebibyte = new byte[1024 * 1024];
      for (int i = 0; i < 65; i++) {
        out.write(mebibyte);
      }
    }
    String lst = b64(compressed.toByteArray());
    assertThat(lst.length()).isLessThan(200_000);

    assertThatThrownBy(() -> StatusList.decode(1, lst))
        .isInstanceOf(StatusListFormatException.class)
        .hasMessageContaining("more than " + StatusList.MAX_BYTES);
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static byte[] zlib(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream deflater = new DeflaterOutputStream(out)) {
      deflater.write(data);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out.toByteArray();
  }

  private static byte[] rawDeflate() {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(new byte[] {(byte) 0xB9, (byte) 0xA3});
    deflater.finish();
    byte[] buffer = new byte[64];
    int n = deflater.deflate(buffer);
    deflater.end();
    return Arrays.copyOf(buffer, n);
  }

  private static byte[] gzip() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(new byte[] {(byte) 0xB9, (byte) 0xA3});
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out.toByteArray();
  }

  private static byte[] truncatedZlib() {
    byte[] whole = zlib(new byte[1000]);
    return Arrays.copyOf(whole, whole.length - 3);
  }

  private static byte[] zlibWithTrailer() {
    byte[] whole = zlib(new byte[] {1, 2, 3});
    byte[] withTrailer = Arrays.copyOf(whole, whole.length + 2);
    withTrailer[whole.length] = 7;
    return withTrailer;
  }
}
