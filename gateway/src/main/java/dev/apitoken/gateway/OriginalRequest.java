package dev.apitoken.gateway;

import com.sun.net.httpserver.Headers;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The request the proxy asks about, rebuilt from the auth sub-request.
 *
 * <p>The path is normalized before the policy sees it (percent-escapes decoded, {@code .} and
 * {@code ..} segments resolved, repeated slashes merged, query dropped), because ingress-nginx
 * passes the raw request line: {@code /public/../admin} must meet the rule of {@code /admin}.
 *
 * @param method the original method, upper case; may be unknown ("")
 * @param host the original host, lower case, without port; null when the request named none
 * @param path the normalized original path, starting with {@code /}
 */
public record OriginalRequest(String method, String host, String path) {

  /**
   * For {@code /auth}: ingress-nginx's {@code X-Original-URL} (and {@code X-Original-Method}), else
   * the sub-request's own host and path. Never the {@code X-Forwarded-*} headers: ingress-nginx
   * passes the client's own on to the sub-request, so they would let a client name another path.
   */
  static OriginalRequest nginx(String requestMethod, Headers headers, URI requestUri) {
    String originalUrl = headers.getFirst("X-Original-URL");
    if (originalUrl != null) {
      String method = headers.getFirst("X-Original-Method");
      OriginalRequest plain = plainUrl(method, originalUrl.trim());
      if (plain != null) {
        return plain;
      }
      try {
        URI uri = new URI(originalUrl.trim());
        String host = uri.getRawAuthority() == null ? null : uri.getHost();
        if (host == null && uri.getRawAuthority() != null) {
          host = uri.getRawAuthority();
        }
        return new OriginalRequest(
            method(method == null ? "" : method), host(host), normalizePath(uri.getRawPath()));
      } catch (URISyntaxException e) {
        // Not a URI: take the path part by hand; the policy then decides on what is there.
        return new OriginalRequest(
            method(method == null ? "" : method),
            host(authorityOf(originalUrl)),
            normalizePath(pathOf(originalUrl)));
      }
    }
    return ownRequest(requestMethod, headers, requestUri);
  }

  /**
   * For {@code /traefik}: Traefik's {@code X-Forwarded-Method/-Host/-Uri}, which forwardAuth sets
   * itself, else the sub-request's own host and path. Never {@code X-Original-URL}: Traefik passes
   * every client header on to the sub-request, so a client could name an anonymous path with it.
   */
  static OriginalRequest traefik(String requestMethod, Headers headers, URI requestUri) {
    String forwardedUri = headers.getFirst("X-Forwarded-Uri");
    String forwardedHost = headers.getFirst("X-Forwarded-Host");
    if (forwardedUri != null || forwardedHost != null) {
      String method = headers.getFirst("X-Forwarded-Method");
      return new OriginalRequest(
          method(method == null ? "" : method),
          host(forwardedHost),
          normalizePath(forwardedUri == null ? "/" : stripQuery(forwardedUri)));
    }
    return ownRequest(requestMethod, headers, requestUri);
  }

  private static OriginalRequest ownRequest(String requestMethod, Headers headers, URI requestUri) {
    return new OriginalRequest(
        method(requestMethod),
        host(headers.getFirst("Host")),
        normalizePath(requestUri.getRawPath()));
  }

  /**
   * For Envoy's {@code ext_authz} HTTP service with {@code path_prefix: /envoy}: the path minus the
   * prefix, the {@code Host} header (Envoy's {@code :authority}), the request's own method.
   */
  static OriginalRequest envoy(
      String requestMethod, Headers headers, URI requestUri, String prefix) {
    String raw = requestUri.getRawPath();
    String path = raw.length() > prefix.length() ? raw.substring(prefix.length()) : "/";
    return new OriginalRequest(
        method(requestMethod), host(headers.getFirst("Host")), normalizePath(path));
  }

  /**
   * The common {@code http(s)://host[:port]/path[?query]} without parsing a {@link URI}, which
   * costs more than the rest of a cached verification; null for anything else (user info, IPv6, odd
   * characters), which the URI path handles. Gives what that path would give.
   */
  private static OriginalRequest plainUrl(String method, String url) {
    int start;
    if (url.startsWith("https://")) {
      start = 8;
    } else if (url.startsWith("http://")) {
      start = 7;
    } else {
      return null;
    }
    int end = start;
    boolean port = false;
    while (end < url.length()) {
      char c = url.charAt(end);
      if (c == '/' || c == '?') {
        break;
      }
      boolean hostCharacter =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '-';
      if (c == ':' && !port) {
        port = true;
      } else if (!(port ? c >= '0' && c <= '9' : hostCharacter)) {
        return null;
      }
      end++;
    }
    if (end == start || url.indexOf('#', end) >= 0) {
      return null;
    }
    return new OriginalRequest(
        method(method == null ? "" : method),
        host(url.substring(start, end)),
        normalizePath(url.substring(end)));
  }

  private static String method(String method) {
    return method.trim().toUpperCase(Locale.ROOT);
  }

  /** Lower case, without port, brackets of an IPv6 literal kept, trailing dot dropped. */
  static String host(String value) {
    if (value == null) {
      return null;
    }
    String host = value.trim();
    // A list (several proxies): the first is the client's.
    int comma = host.indexOf(',');
    if (comma >= 0) {
      host = host.substring(0, comma).trim();
    }
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      host = close < 0 ? host : host.substring(0, close + 1);
    } else {
      int colon = host.indexOf(':');
      if (colon >= 0) {
        host = host.substring(0, colon);
      }
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    return host.isEmpty() ? null : host.toLowerCase(Locale.ROOT);
  }

  /**
   * Decodes percent-escapes (an invalid one stays as it is), drops the query, resolves {@code .}
   * and {@code ..} (never above the root), merges repeated slashes and drops a trailing slash.
   */
  static String normalizePath(String raw) {
    if (raw == null || raw.isEmpty()) {
      return "/";
    }
    if (isNormal(raw)) {
      return raw;
    }
    String decoded = percentDecode(stripQuery(raw));
    Deque<String> segments = new ArrayDeque<>();
    for (String segment : decoded.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        segments.pollLast();
      } else {
        segments.addLast(segment);
      }
    }
    return "/" + String.join("/", segments);
  }

  /**
   * Whether {@link #normalizePath} would return {@code raw} unchanged: it starts with a slash and
   * has no escape, query, fragment, empty segment, {@code .} or {@code ..} segment, or trailing
   * slash. The common case, answered without splitting the path.
   */
  private static boolean isNormal(String raw) {
    int length = raw.length();
    if (raw.charAt(0) != '/') {
      return false;
    }
    if (length == 1) {
      return true;
    }
    int segmentStart = 1;
    for (int i = 1; i <= length; i++) {
      char c = i == length ? '/' : raw.charAt(i);
      if (c == '%' || c == '?' || c == '#') {
        return false;
      }
      if (c == '/') {
        int segmentLength = i - segmentStart;
        if (segmentLength == 0
            || (segmentLength == 1 && raw.charAt(segmentStart) == '.')
            || (segmentLength == 2
                && raw.charAt(segmentStart) == '.'
                && raw.charAt(segmentStart + 1) == '.')) {
          return false;
        }
        segmentStart = i + 1;
      }
    }
    return true;
  }

  private static String stripQuery(String path) {
    int cut = path.length();
    int query = path.indexOf('?');
    int fragment = path.indexOf('#');
    if (query >= 0) {
      cut = query;
    }
    if (fragment >= 0 && fragment < cut) {
      cut = fragment;
    }
    return path.substring(0, cut);
  }

  private static String percentDecode(String value) {
    if (value.indexOf('%') < 0) {
      return value;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
    byte[] raw = value.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '%' && i + 2 < raw.length && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
        bytes.write(hex(raw[i + 1]) << 4 | hex(raw[i + 2]));
        i += 2;
      } else {
        bytes.write(raw[i]);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static int hex(byte b) {
    return Character.digit(b, 16);
  }

  private static String authorityOf(String url) {
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return null;
    }
    int start = scheme + 3;
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    return url.substring(start, end);
  }

  /** What follows the authority; a query right after it means the path "/" (not a '/' in it). */
  private static String pathOf(String url) {
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return url;
    }
    int end = scheme + 3;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    return url.substring(end);
  }
}
