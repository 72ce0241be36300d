package dev.apitoken.gateway.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads one HTTP/1.1 response at a time from the bytes of a keep-alive connection: status line,
 * headers, then a body framed by {@code Content-Length} or chunked encoding (the two framings the
 * JDK's HttpServer uses). Bodies are skipped, not kept.
 */
final class HttpResponseParser {
  private static final int MAX_HEAD_BYTES = 16 * 1024;

  private final String requiredHeader;
  private ByteBuffer buffer = ByteBuffer.allocate(4096);
  private int headEnd = -1;
  private int status;
  private boolean hasRequiredHeader;
  private boolean closeAfter;
  private long contentLength;
  private boolean chunked;
  private int chunkCursor;

  /**
   * @param requiredHeader a header every response must carry, matched case-insensitively, or null
   */
  HttpResponseParser(String requiredHeader) {
    this.requiredHeader =
        requiredHeader == null ? null : requiredHeader.toLowerCase(Locale.ROOT) + ":";
    reset();
  }

  /** Where the connection's next bytes go; grows when a response does not fit. */
  ByteBuffer writableBuffer() {
    if (!buffer.hasRemaining()) {
      ByteBuffer larger = ByteBuffer.allocate(buffer.capacity() * 2);
      buffer.flip();
      larger.put(buffer);
      buffer = larger;
    }
    return buffer;
  }

  /**
   * Whether the bytes read so far hold a whole response.
   *
   * @throws ProtocolException when they cannot be the start of one, or hold more than one
   */
  boolean complete() throws ProtocolException {
    if (headEnd < 0 && !readHead()) {
      return false;
    }
    int end = bodyEnd();
    if (end < 0) {
      return false;
    }
    if (end != buffer.position()) {
      throw new ProtocolException("bytes after a response that nothing asked for");
    }
    return true;
  }

  int status() {
    return status;
  }

  boolean hasRequiredHeader() {
    return requiredHeader == null || hasRequiredHeader;
  }

  /** Whether the server said it closes the connection after this response. */
  boolean closeAfter() {
    return closeAfter;
  }

  /** Forgets the response just read, keeping the buffer for the next one. */
  void reset() {
    buffer.clear();
    headEnd = -1;
    status = 0;
    hasRequiredHeader = false;
    closeAfter = false;
    contentLength = -1;
    chunked = false;
    chunkCursor = -1;
  }

  private boolean readHead() throws ProtocolException {
    byte[] bytes = buffer.array();
    int limit = buffer.position();
    for (int i = 3; i < limit; i++) {
      if (bytes[i] == '\n'
          && bytes[i - 1] == '\r'
          && bytes[i - 2] == '\n'
          && bytes[i - 3] == '\r') {
        parseHead(new String(bytes, 0, i + 1, StandardCharsets.ISO_8859_1));
        headEnd = i + 1;
        chunkCursor = headEnd;
        return true;
      }
    }
    if (limit > MAX_HEAD_BYTES) {
      throw new ProtocolException("no end of the response head in " + limit + " bytes");
    }
    return false;
  }

  private void parseHead(String head) throws ProtocolException {
    String[] lines = head.split("\r\n");
    String statusLine = lines[0];
    if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
      throw new ProtocolException("not an HTTP/1.1 status line");
    }
    try {
      status = Integer.parseInt(statusLine.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new ProtocolException("no status code in the status line");
    }
    contentLength = -1;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i].toLowerCase(Locale.ROOT);
      if (line.startsWith("content-length:")) {
        contentLength = Long.parseLong(line.substring("content-length:".length()).trim());
      } else if (line.startsWith("transfer-encoding:")) {
        chunked = line.contains("chunked");
      } else if (line.startsWith("connection:")) {
        closeAfter = line.contains("close");
      }
      if (requiredHeader != null && line.startsWith(requiredHeader)) {
        hasRequiredHeader = true;
      }
    }
    if (!chunked && contentLength < 0 && status != 204 && status != 304) {
      throw new ProtocolException("a response with neither Content-Length nor chunked encoding");
    }
  }

  /** The end of the body in the buffer, or -1 when it has not all arrived yet. */
  private int bodyEnd() throws ProtocolException {
    int limit = buffer.position();
    if (!chunked) {
      long end = headEnd + Math.max(0, contentLength);
      return limit >= end ? (int) end : -1;
    }
    byte[] bytes = buffer.array();
    while (true) {
      int lineEnd = lineEnd(bytes, chunkCursor, limit);
      if (lineEnd < 0) {
        return -1;
      }
      String sizeField =
          new String(bytes, chunkCursor, lineEnd - chunkCursor, StandardCharsets.US_ASCII);
      int extension = sizeField.indexOf(';');
      int size;
      try {
        size =
            Integer.parseInt(
                (extension < 0 ? sizeField : sizeField.substring(0, extension)).trim(), 16);
      } catch (NumberFormatException e) {
        throw new ProtocolException("a chunk without a size");
      }
      int dataStart = lineEnd + 2;
      if (size == 0) {
        // No trailers: the last chunk is followed by one empty line.
        return limit >= dataStart + 2 ? dataStart + 2 : -1;
      }
      if (limit < dataStart + size + 2) {
        return -1;
      }
      chunkCursor = dataStart + size + 2;
    }
  }

  private static int lineEnd(byte[] bytes, int from, int limit) {
    for (int i = from + 1; i < limit; i++) {
      if (bytes[i] == '\n' && bytes[i - 1] == '\r') {
        return i - 1;
      }
    }
    return -1;
  }

  /** The server's bytes are not an HTTP/1.1 response the generator can frame. */
  static final class ProtocolException extends Exception {
    ProtocolException(String message) {
      super(message);
    }
  }
}
