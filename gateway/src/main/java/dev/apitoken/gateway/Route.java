package dev.apitoken.gateway;

import java.util.Locale;

/**
 * A route of the policy: requests to {@code host} (exact, or {@code *.example.com} for one label
 * under it; null for any host) whose path is {@code pathPrefix} or lies below it, segment by
 * segment ({@code /admin} covers {@code /admin} and {@code /admin/x}, not {@code /administrator}).
 *
 * @param host lower case, or null
 * @param pathPrefix starts with {@code /}; {@code /} covers every path
 * @param rule what the route requires
 * @param ignoreCase whether the path prefix matches whatever the case of the request's path (for a
 *     backend that serves {@code /Admin} as {@code /admin}); the host always does
 */
public record Route(String host, String pathPrefix, Rule rule, boolean ignoreCase) {

  /** A route whose path prefix matches case-sensitively. */
  public Route(String host, String pathPrefix, Rule rule) {
    this(host, pathPrefix, rule, false);
  }

  /**
   * Whether the route applies to a request for {@code host} (lower case, no port) and path.
   *
   * @param foldCase match the path prefix ignoring case even if the route does not
   */
  boolean matches(String requestHost, String path, boolean foldCase) {
    return hostMatches(requestHost) && pathMatches(path, foldCase || ignoreCase);
  }

  /**
   * How specific the route is, higher first: a host beats none, an exact host beats a wildcard,
   * then the longer prefix wins.
   */
  long specificity() {
    long hostRank = host == null ? 0 : host.startsWith("*.") ? 1 : 2;
    return hostRank << 32 | pathPrefix.length();
  }

  private boolean hostMatches(String requestHost) {
    if (host == null) {
      return true;
    }
    if (requestHost == null) {
      return false;
    }
    if (host.startsWith("*.")) {
      // The suffix is host without its '*' (".example.com"), compared in place: no allocation on
      // the request path.
      int suffixLength = host.length() - 1;
      int suffixStart = requestHost.length() - suffixLength;
      return suffixStart > 0
          && requestHost.regionMatches(suffixStart, host, 1, suffixLength)
          && requestHost.indexOf('.') == suffixStart;
    }
    return host.equals(requestHost);
  }

  private boolean pathMatches(String path, boolean foldCase) {
    if (pathPrefix.equals("/")) {
      return true;
    }
    // The prefix itself, or below it: it ends in '/' itself, or the next character of the path is
    // one.
    return path.regionMatches(foldCase, 0, pathPrefix, 0, pathPrefix.length())
        && (path.length() == pathPrefix.length()
            || pathPrefix.endsWith("/")
            || path.charAt(pathPrefix.length()) == '/');
  }

  static String normalizeHost(String host) {
    return host.toLowerCase(Locale.ROOT);
  }
}
