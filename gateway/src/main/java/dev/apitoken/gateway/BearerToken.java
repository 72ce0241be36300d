package dev.apitoken.gateway;

/**
 * The bearer credentials of an {@code Authorization} header (RFC 6750 §2.1: scheme
 * case-insensitive). Its {@code toString} redacts the token: it must not reach a log line.
 */
final class BearerToken {
  private static final BearerToken ABSENT = new BearerToken(null);

  private final String token;

  private BearerToken(String token) {
    this.token = token;
  }

  /**
   * Reads {@code authorization}; a missing header or another scheme (Basic, ...) is {@link
   * #absent()}, {@code Bearer} with nothing after it is an empty token.
   */
  static BearerToken from(String authorization) {
    if (authorization == null) {
      return ABSENT;
    }
    String value = authorization.strip();
    if (!value.regionMatches(true, 0, "bearer", 0, 6)) {
      return ABSENT;
    }
    if (value.length() == 6) {
      return new BearerToken("");
    }
    if (value.charAt(6) != ' ' && value.charAt(6) != '\t') {
      return ABSENT;
    }
    return new BearerToken(value.substring(7).strip());
  }

  /** Whether the request carried no bearer credentials at all. */
  boolean absent() {
    return token == null;
  }

  /** The token; empty when the scheme came without one. */
  String token() {
    return token;
  }

  @Override
  public String toString() {
    return absent() ? "BearerToken[absent]" : "BearerToken[redacted]";
  }
}
