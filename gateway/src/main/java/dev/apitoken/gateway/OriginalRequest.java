package dev.apitoken.gateway;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.util.Locale;

/**
 * The request the proxy asks about, rebuilt from the auth sub-request: exactly what the upstream
 * will be sent, or a {@link RequestRefused} (400).
 *
 * <p>The host must be a plain host with an optional port ({@link HostName}) and the path is put in
 * canonical form, refusing what a backend could read as another path ({@link CanonicalPath}).
 *
 * @param method the original method, upper case; may be unknown ("")
 * @param host the original host, lower case, without port; null when the request named none
 * @param path the canonical original path, starting with {@code /}
 * @param hostAsRouted whether {@code host} is the host the proxy chose the upstream by. False only
 *     for ingress-nginx without a host in the auth-url: nginx routes an absolute-form request
 *     ({@code GET http://orders.example.com/admin}) by the request line, but {@code X-Original-URL}
 *     carries the {@code Host} header, so a policy with host-bound routes cannot trust it
 */
public record OriginalRequest(String method, String host, String path, boolean hostAsRouted) {

  static final String AUTH_PREFIX = "/auth";

  /** A request whose host is the one its proxy routed by. */
  public OriginalRequest(String method, String host, String path) {
    this(method, host, path, true);
  }

  /**
   * For {@code /auth} (ingress-nginx): {@code X-Original-URL} (and {@code X-Original-Method}), else
   * the sub-request's own host and path. Never the {@code X-Forwarded-*} headers: ingress-nginx
   * passes the client's own on to the sub-request, so they would let a client name another path.
   *
   * <p>{@code /auth/<host>} (the host of the Ingress, written in its {@code auth-url}) binds the
   * request to that host by configuration: the original URL's host must be it (or, for {@code
   * /auth/*.example.com}, one label under it), else the request is refused.
   */
  static OriginalRequest nginx(String requestMethod, Headers headers, URI requestUri) {
    String boundHost = boundHost(requestUri.getRawPath());
    String originalUrl = headers.getFirst("X-Original-URL");
    if (originalUrl == null) {
      if (boundHost != null) {
        throw new RequestRefused("no X-Original-URL: /auth/<host> is for ingress-nginx's auth-url");
      }
      return ownRequest(requestMethod, headers, requestUri, false);
    }
    String method = headers.getFirst("X-Original-Method");
    String url = originalUrl.trim();
    int authorityStart = url.startsWith("https://") ? 8 : url.startsWith("http://") ? 7 : -1;
    if (authorityStart < 0) {
      throw new RequestRefused("X-Original-URL is not an http(s) URL");
    }
    // ingress-nginx writes $scheme://$http_host$request_uri: the authority is the client's Host
    // header as sent and ends at the request URI's first '/'; a '?', '#' or '@' in it is refused by
    // HostName, never read as a query, fragment or user info.
    int pathStart = url.indexOf('/', authorityStart);
    String host =
        HostName.parse(url.substring(authorityStart, pathStart < 0 ? url.length() : pathStart));
    String path = CanonicalPath.of(pathStart < 0 ? "/" : url.substring(pathStart));
    if (boundHost != null && !hostMatches(boundHost, host)) {
      throw new RequestRefused("the request's host is not the one its auth-url names");
    }
    return new OriginalRequest(method(method == null ? "" : method), host, path, boundHost != null);
  }

  /**
   * For {@code /traefik}: Traefik's {@code X-Forwarded-Method/-Host/-Uri}, which forwardAuth sets
   * itself from the request it routes, else the sub-request's own host and path. Never {@code
   * X-Original-URL}: Traefik passes every client header on to the sub-request, so a client could
   * name an anonymous path with it.
   */
  static OriginalRequest traefik(String requestMethod, Headers headers, URI requestUri) {
    String forwardedUri = headers.getFirst("X-Forwarded-Uri");
    String forwardedHost = headers.getFirst("X-Forwarded-Host");
    if (forwardedUri != null || forwardedHost != null) {
      String method = headers.getFirst("X-Forwarded-Method");
      return new OriginalRequest(
          method(method == null ? "" : method),
          HostName.parse(forwardedHost),
          CanonicalPath.of(forwardedUri == null ? "/" : forwardedUri));
    }
    return ownRequest(requestMethod, headers, requestUri, true);
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
        method(requestMethod), HostName.parse(headers.getFirst("Host")), CanonicalPath.of(path));
  }

  private static OriginalRequest ownRequest(
      String requestMethod, Headers headers, URI requestUri, boolean hostAsRouted) {
    return new OriginalRequest(
        method(requestMethod),
        HostName.parse(headers.getFirst("Host")),
        CanonicalPath.of(requestUri.getRawPath()),
        hostAsRouted);
  }

  /** The host in {@code /auth/<host>}, lower case; null for {@code /auth} itself. */
  private static String boundHost(String rawPath) {
    if (rawPath == null || rawPath.length() <= AUTH_PREFIX.length() + 1) {
      return null;
    }
    String bound = rawPath.substring(AUTH_PREFIX.length() + 1);
    if (bound.endsWith("/")) {
      bound = bound.substring(0, bound.length() - 1);
    }
    if (!HostName.isNameOrWildcard(bound)) {
      throw new RequestRefused("the auth-url's /auth/<host> is not a host name or *.<host name>");
    }
    return bound.toLowerCase(Locale.ROOT);
  }

  private static boolean hostMatches(String bound, String host) {
    if (!bound.startsWith("*.")) {
      return bound.equals(host);
    }
    int suffixStart = host.length() - (bound.length() - 1);
    return suffixStart > 0
        && host.regionMatches(suffixStart, bound, 1, bound.length() - 1)
        && host.indexOf('.') == suffixStart;
  }

  private static String method(String method) {
    return method.trim().toUpperCase(Locale.ROOT);
  }
}
