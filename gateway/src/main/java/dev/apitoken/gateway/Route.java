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
 */
public record Route(String host, String pathPrefix, Rule rule) {

  /** Whether the route applies to a request for {@code host} (lower case, no port) and path. */
  boolean matches(String requestHost, String path) {
    return hostMatches(requestHost) && pathMatches(path);
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
      String suffix = host.substring(1);
      return requestHost.endsWith(suffix)
          && requestHost.length() > suffix.length()
          && requestHost.indexOf('.') == requestHost.length() - suffix.length();
    }
    return host.equals(requestHost);
  }

  private boolean pathMatches(String path) {
    if (pathPrefix.equals("/") || path.equals(pathPrefix)) {
      return true;
    }
    String directory = pathPrefix.endsWith("/") ? pathPrefix : pathPrefix + "/";
    return path.startsWith(directory);
  }

  static String normalizeHost(String host) {
    return host.toLowerCase(Locale.ROOT);
  }
}
