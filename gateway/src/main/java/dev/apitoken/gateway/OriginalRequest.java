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
   * Traefik's {@code X-Forwarded-Method/-Host/-Uri}, else the sub-request's own host and path.
   */
  static OriginalRequest forwardAuth(String requestMethod, Headers headers, URI requestUri) {
    String originalUrl = headers.getFirst("X-Original-URL");
    if (originalUrl != null) {
      String method = headers.getFirst("X-Original-Method");
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
    String forwardedUri = headers.getFirst("X-Forwarded-Uri");
    String forwardedHost = headers.getFirst("X-Forwarded-Host");
    if (forwardedUri != null || forwardedHost != null) {
      String method = headers.getFirst("X-Forwarded-Method");
      return new OriginalRequest(
          method(method == null ? "" : method),
          host(forwardedHost),
          normalizePath(forwardedUri == null ? "/" : stripQuery(forwardedUri)));
    }
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

  private static String pathOf(String url) {
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? 0 : url.indexOf('/', scheme + 3);
    return start < 0 ? "/" : url.substring(start);
  }
}
