package dev.apitoken.operator.provider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

/**
 * One document the provider serves, prepared once per change: its bytes, their gzip form, and the
 * strong ETag (a quoted hash of the bytes; the gzip form's ETag carries a {@code -gzip} suffix,
 * since a strong validator names one representation).
 */
record ServedFile(String contentType, byte[] body, byte[] gzipped, String etag) {

  static ServedFile of(String contentType, String text) {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    return new ServedFile(contentType, body, gzip(body), "\"" + hash(body) + "\"");
  }

  String gzipEtag() {
    return etag.substring(0, etag.length() - 1) + "-gzip\"";
  }

  /**
   * Whether an {@code If-None-Match} value names this file (weak comparison, as RFC 9110 asks for
   * If-None-Match; either encoding's ETag matches, both stand for the same bytes).
   */
  boolean matches(String ifNoneMatch) {
    if (ifNoneMatch == null) {
      return false;
    }
    String gzipEtag = gzipEtag();
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.trim();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals(etag) || tag.equals(gzipEtag)) {
        return true;
      }
    }
    return false;
  }

  private static String hash(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      // 128 bits are plenty to tell versions of one document apart.
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static byte[] gzip(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length / 2));
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(body);
    } catch (IOException impossibleInMemory) {
      throw new UncheckedIOException(impossibleInMemory);
    }
    return out.toByteArray();
  }
}
