package dev.apitoken.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Strict base64url (RFC 4648 section 5) without padding: only the canonical encoding of a byte
 * string is accepted, so one token has exactly one spelling.
 */
public final class Base64Url {
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final byte[] DECODE = new byte[256];

  static {
    Arrays.fill(DECODE, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < alphabet.length(); i++) {
      DECODE[alphabet.charAt(i)] = (byte) i;
    }
  }

  private Base64Url() {}

  /**
   * Decodes {@code src[from, to)}; null when it is not canonical base64url without padding (a
   * character outside the alphabet, {@code =}, a length of 1 modulo 4, or non-zero unused bits in
   * the last character).
   */
  public static byte[] decode(byte[] src, int from, int to) {
    int length = to - from;
    int rest = length & 3;
    if (rest == 1) {
      return null;
    }
    byte[] out = new byte[(length >>> 2) * 3 + (rest == 0 ? 0 : rest - 1)];
    int in = from;
    int o = 0;
    int wholeEnd = from + (length - rest);
    while (in < wholeEnd) {
      int a = DECODE[src[in] & 0xFF];
      int b = DECODE[src[in + 1] & 0xFF];
      int c = DECODE[src[in + 2] & 0xFF];
      int d = DECODE[src[in + 3] & 0xFF];
      if ((a | b | c | d) < 0) {
        return null;
      }
      int bits = a << 18 | b << 12 | c << 6 | d;
      out[o++] = (byte) (bits >>> 16);
      out[o++] = (byte) (bits >>> 8);
      out[o++] = (byte) bits;
      in += 4;
    }
    if (rest == 2) {
      int a = DECODE[src[in] & 0xFF];
      int b = DECODE[src[in + 1] & 0xFF];
      if ((a | b) < 0 || (b & 0x0F) != 0) {
        return null;
      }
      out[o] = (byte) (a << 2 | b >>> 4);
    } else if (rest == 3) {
      int a = DECODE[src[in] & 0xFF];
      int b = DECODE[src[in + 1] & 0xFF];
      int c = DECODE[src[in + 2] & 0xFF];
      if ((a | b | c) < 0 || (c & 0x03) != 0) {
        return null;
      }
      out[o++] = (byte) (a << 2 | b >>> 4);
      out[o] = (byte) (b << 4 | c >>> 2);
    }
    return out;
  }

  /** Decodes {@code s}; null when it is not canonical base64url without padding. */
  public static byte[] decode(String s) {
    // Characters beyond Latin-1 become '?', which is outside the alphabet.
    byte[] latin1 = s.getBytes(StandardCharsets.ISO_8859_1);
    return decode(latin1, 0, latin1.length);
  }

  /**
   * Decodes {@code s} by the same rule as {@link #decode(String)}.
   *
   * @throws IllegalArgumentException when it is not canonical base64url without padding; the
   *     message never repeats the input, which may be key material
   */
  public static byte[] decodeOrThrow(String s) {
    byte[] bytes = decode(s);
    if (bytes == null) {
      throw new IllegalArgumentException("not canonical base64url without padding");
    }
    return bytes;
  }

  /** The canonical encoding: base64url without padding. */
  public static String encode(byte[] bytes) {
    return ENCODER.encodeToString(bytes);
  }
}
