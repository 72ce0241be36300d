package dev.apitoken.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * The one path the policy judges, or a {@link RequestRefused} when a backend could read the
 * request's path as another one.
 *
 * <p>Canonical form: percent-escapes of unreserved characters decoded (RFC 3986 §2.3), every other
 * escape kept with upper-case hex, {@code .} and {@code ..} segments resolved, repeated slashes
 * merged, query dropped. Refused, because servers disagree on them (Envoy's {@code normalize_path},
 * {@code merge_slashes} and {@code path_with_escaped_slashes_action}, and Istio's guide to
 * authorization-policy path normalization, list the same classes): {@code ;} path parameters
 * (servlet containers serve {@code /public/..;/internal} as {@code /internal}), an encoded {@code
 * /} or {@code \}, a backslash, a {@code .} or {@code ..} segment that only decoding reveals, a
 * {@code ..} above the root, a fragment, control characters and NUL (raw or encoded), raw
 * non-ASCII, escapes that are not two hex digits, and escaped bytes that are not UTF-8.
 */
final class CanonicalPath {
  private CanonicalPath() {}

  static String of(String raw) {
    if (raw == null || raw.isEmpty()) {
      return "/";
    }
    int query = raw.indexOf('?');
    String path = query < 0 ? raw : raw.substring(0, query);
    if (path.isEmpty() || path.charAt(0) != '/') {
      throw new RequestRefused("the path must start with /");
    }
    if (isCanonical(path)) {
      return path;
    }
    List<String> segments = new ArrayList<>();
    StringBuilder segment = new StringBuilder();
    boolean decodedDot = false;
    int utf8Pending = 0;
    for (int i = 1; i <= path.length(); i++) {
      char c = i == path.length() ? '/' : path.charAt(i);
      if (c == '%') {
        int b = escapedByte(path, i);
        i += 2;
        if (b >= 0x80) {
          utf8Pending = continueUtf8(utf8Pending, b);
          segment.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
          continue;
        }
        requireNoPendingUtf8(utf8Pending);
        if (b == '/' || b == '\\') {
          throw new RequestRefused("the path has an encoded / or \\");
        }
        if (b < 0x20 || b == 0x7F) {
          throw new RequestRefused("the path has an encoded control character");
        }
        if (isUnreserved(b)) {
          decodedDot |= b == '.';
          segment.append((char) b);
        } else {
          segment.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
        }
        continue;
      }
      requireNoPendingUtf8(utf8Pending);
      if (c == '/') {
        endSegment(segments, segment.toString(), decodedDot);
        segment.setLength(0);
        decodedDot = false;
      } else if (c == ';') {
        throw new RequestRefused("the path has a ; parameter");
      } else if (c == '\\') {
        throw new RequestRefused("the path has a backslash");
      } else if (c == '#') {
        throw new RequestRefused("the path has a fragment");
      } else if (c <= 0x20 || c == 0x7F) {
        throw new RequestRefused("the path has a control character or space");
      } else if (c >= 0x80) {
        throw new RequestRefused("the path has a character that is not ASCII (escape it)");
      } else {
        segment.append(c);
      }
    }
    return "/" + String.join("/", segments);
  }

  private static void endSegment(List<String> segments, String segment, boolean decodedDot) {
    boolean dotSegment = segment.equals(".") || segment.equals("..");
    if (dotSegment && decodedDot) {
      throw new RequestRefused("the path has a . or .. segment written with escapes");
    }
    if (segment.isEmpty() || segment.equals(".")) {
      return;
    }
    if (segment.equals("..")) {
      if (segments.isEmpty()) {
        throw new RequestRefused("the path goes above the root");
      }
      segments.remove(segments.size() - 1);
      return;
    }
    segments.add(segment);
  }

  private static int escapedByte(String path, int at) {
    int high = at + 1 < path.length() ? Character.digit(path.charAt(at + 1), 16) : -1;
    int low = at + 2 < path.length() ? Character.digit(path.charAt(at + 2), 16) : -1;
    if (high < 0 || low < 0 || path.charAt(at + 1) > 0x7F || path.charAt(at + 2) > 0x7F) {
      throw new RequestRefused("the path has a % that is not followed by two hex digits");
    }
    return high << 4 | low;
  }

  /**
   * The continuation bytes still expected after {@code b}, checking it fits the sequence so far
   * (overlong and surrogate forms are left to the backend's decoder: they are still escaped here,
   * so they never match a route written in plain characters).
   */
  private static int continueUtf8(int pending, int b) {
    boolean continuation = (b & 0xC0) == 0x80;
    if (pending > 0) {
      if (!continuation) {
        throw new RequestRefused("the path's escapes are not UTF-8");
      }
      return pending - 1;
    }
    if ((b & 0xE0) == 0xC0 && b >= 0xC2) {
      return 1;
    }
    if ((b & 0xF0) == 0xE0) {
      return 2;
    }
    if ((b & 0xF8) == 0xF0 && b <= 0xF4) {
      return 3;
    }
    throw new RequestRefused("the path's escapes are not UTF-8");
  }

  private static void requireNoPendingUtf8(int pending) {
    if (pending > 0) {
      throw new RequestRefused("the path's escapes are not UTF-8");
    }
  }

  private static boolean isUnreserved(int b) {
    return (b >= 'a' && b <= 'z')
        || (b >= 'A' && b <= 'Z')
        || (b >= '0' && b <= '9')
        || b == '-'
        || b == '.'
        || b == '_'
        || b == '~';
  }

  /**
   * Whether {@code path} is already canonical: only characters kept as they are, no escape, no
   * empty, {@code .} or {@code ..} segment, no trailing slash but the root. The common case,
   * answered without building anything.
   */
  private static boolean isCanonical(String path) {
    int length = path.length();
    if (length == 1) {
      return true;
    }
    int segmentStart = 1;
    for (int i = 1; i <= length; i++) {
      char c = i == length ? '/' : path.charAt(i);
      if (c == '/') {
        int segmentLength = i - segmentStart;
        if (segmentLength == 0
            || (segmentLength == 1 && path.charAt(segmentStart) == '.')
            || (segmentLength == 2
                && path.charAt(segmentStart) == '.'
                && path.charAt(segmentStart + 1) == '.')) {
          return false;
        }
        segmentStart = i + 1;
      } else if (c <= 0x20 || c >= 0x7F || c == '%' || c == ';' || c == '\\' || c == '#') {
        return false;
      }
    }
    return true;
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
}
