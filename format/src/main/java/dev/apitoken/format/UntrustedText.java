package dev.apitoken.format;

/**
 * Makes a value that nobody vouched for (a token's unverified {@code kid}, a member name from a
 * trust file, a JSON parser's message quoting its input) safe to put into a log line, an exception
 * message or terminal output: the result is printable ASCII only and never longer than the limit.
 *
 * <p>Every character outside {@code ' '..'~'} becomes {@code \}{@code uXXXX} (UTF-16 units, as in
 * JSON), so line breaks of any kind (CR, LF, U+0085, U+2028, U+2029), terminal escapes and
 * invisible or right-to-left characters cannot forge or hide log lines. A value longer than the
 * limit keeps its beginning and says how many characters were cut. The result of {@link
 * #escape(String)} is left unchanged by a second call, so layers that each escape what they print
 * do not pile up backslashes.
 */
public final class UntrustedText {
  /** The default limit: longer than any legitimate kid, jti, subject or key id in our formats. */
  public static final int DEFAULT_MAX_LENGTH = 128;

  /** The limit for messages that quote untrusted text inside an explanation. */
  public static final int MESSAGE_MAX_LENGTH = 512;

  private static final String HEX = "0123456789abcdef";

  private UntrustedText() {}

  /** {@code value} made safe, at most {@link #DEFAULT_MAX_LENGTH} characters; null stays null. */
  public static String escape(String value) {
    return escape(value, DEFAULT_MAX_LENGTH);
  }

  /**
   * {@code value} made safe, at most {@code maxLength} characters (at least 32); null stays null.
   */
  public static String escape(String value, int maxLength) {
    if (maxLength < 32) {
      throw new IllegalArgumentException("maxLength must be at least 32, got " + maxLength);
    }
    if (value == null) {
      return null;
    }
    if (value.length() <= maxLength && isSafe(value)) {
      return value;
    }
    // Room for the longest marker, "...(+2147483647 chars)", so the result stays within the limit.
    int budget = maxLength - 22;
    StringBuilder out = new StringBuilder(Math.min(maxLength, value.length() + 16));
    int i = 0;
    for (; i < value.length(); i++) {
      char c = value.charAt(i);
      int width = c >= ' ' && c <= '~' ? 1 : 6;
      if (out.length() + width > budget && !fitsWhole(value, i, out.length(), maxLength)) {
        break;
      }
      if (width == 1) {
        out.append(c);
      } else {
        out.append("\\u")
            .append(HEX.charAt(c >> 12))
            .append(HEX.charAt((c >> 8) & 0xF))
            .append(HEX.charAt((c >> 4) & 0xF))
            .append(HEX.charAt(c & 0xF));
      }
    }
    if (i < value.length()) {
      out.append("...(+").append(value.length() - i).append(" chars)");
    }
    return out.toString();
  }

  /**
   * A throwable for a log line, without its stack trace: its class, its escaped message (which may
   * quote untrusted input, as JSON parsers' messages do) and where it was thrown.
   */
  public static String describe(Throwable t) {
    StringBuilder out = new StringBuilder(t.getClass().getName());
    if (t.getMessage() != null) {
      out.append(": ").append(escape(t.getMessage(), MESSAGE_MAX_LENGTH));
    }
    StackTraceElement[] stack = t.getStackTrace();
    if (stack.length > 0) {
      out.append(" at ").append(stack[0]);
    }
    return out.toString();
  }

  private static boolean isSafe(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < ' ' || c > '~') {
        return false;
      }
    }
    return true;
  }

  /** Whether the rest of {@code value} from {@code from}, escaped, fits without a marker. */
  private static boolean fitsWhole(String value, int from, int written, int maxLength) {
    long length = written;
    for (int i = from; i < value.length() && length <= maxLength; i++) {
      char c = value.charAt(i);
      length += c >= ' ' && c <= '~' ? 1 : 6;
    }
    return length <= maxLength;
  }
}
