package dev.apitoken.gateway;

import java.util.Locale;

/**
 * The host of a request as the policy sees it: lower case, without port or trailing dot; or a
 * {@link RequestRefused} for anything but a plain host with an optional numeric port.
 *
 * <p>Proxies pick the upstream from a host they parse their own way: nginx takes the part of {@code
 * Host} before the first {@code :} and passes the rest through in {@code X-Original-URL}, so {@code
 * orders.example.com:1@public.example.com} reaches the {@code orders} server while a URI parser
 * reads host {@code public.example.com}. Refusing userinfo, {@code ?}, {@code #}, spaces, a second
 * port and every other character leaves nothing for the two readings to disagree on.
 */
final class HostName {
  private HostName() {}

  /**
   * Parses a {@code Host}-style value: a DNS name or IPv4 address (letters, digits, {@code -},
   * {@code _}, dots between labels, one trailing dot), or an IPv6 literal in brackets, then an
   * optional {@code :port} of 1-5 digits up to 65535.
   *
   * @return the host, lower case, without port and trailing dot; null for a null value
   */
  static String parse(String value) {
    if (value == null) {
      return null;
    }
    int end = value.length();
    int colon = value.startsWith("[") ? value.indexOf("]:") + 1 : value.indexOf(':');
    if (colon > 0) {
      requirePort(value, colon + 1);
      end = colon;
    }
    String host = value.substring(0, end);
    if (host.startsWith("[")) {
      requireIpv6Literal(host);
      return host.toLowerCase(Locale.ROOT);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    requireDnsName(host);
    return host.toLowerCase(Locale.ROOT);
  }

  /** A DNS name, or {@code *.} and a DNS name: a host named in configuration (a policy, a URL). */
  static boolean isNameOrWildcard(String value) {
    String name = value.startsWith("*.") ? value.substring(2) : value;
    try {
      requireDnsName(name);
      return true;
    } catch (RequestRefused e) {
      return false;
    }
  }

  private static void requireDnsName(String host) {
    if (host.isEmpty() || host.length() > 253) {
      throw new RequestRefused("the host is empty or too long");
    }
    int labelStart = 0;
    for (int i = 0; i <= host.length(); i++) {
      char c = i == host.length() ? '.' : host.charAt(i);
      if (c == '.') {
        if (i == labelStart || i - labelStart > 63) {
          throw new RequestRefused("the host has an empty or too long label");
        }
        labelStart = i + 1;
      } else if (!((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_')) {
        throw new RequestRefused("the host is not a plain host name with an optional port");
      }
    }
  }

  private static void requireIpv6Literal(String host) {
    if (host.length() < 4 || !host.endsWith("]")) {
      throw new RequestRefused("the host is not a plain host name with an optional port");
    }
    for (int i = 1; i < host.length() - 1; i++) {
      char c = host.charAt(i);
      if (!(Character.digit(c, 16) >= 0 && c < 0x80 || c == ':' || c == '.')) {
        throw new RequestRefused("the host is not a plain host name with an optional port");
      }
    }
  }

  private static void requirePort(String value, int start) {
    int length = value.length() - start;
    if (length < 1 || length > 5) {
      throw new RequestRefused("the host's port is not a number");
    }
    for (int i = start; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        throw new RequestRefused("the host's port is not a number");
      }
    }
    if (Integer.parseInt(value, start, value.length(), 10) > 65535) {
      throw new RequestRefused("the host's port is not a number");
    }
  }
}
