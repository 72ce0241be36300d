package dev.apitoken.verifier.sample;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The sample service's command line: {@code [--trust-dir DIR] [--trust-url URL] --issuer ISS
 * [--audience AUD] [--port N] [--max-status-age D] [--allow-unsigned-status-list]}.
 *
 * @param trustDirectory the mounted trust ConfigMap, or null with only {@code --trust-url}
 * @param trustUrl the operator's Status List provider, or null
 * @param maxStatusListAge a signed list issued longer ago is stale, or null (only exp counts)
 * @param allowUnsignedStatusList whether an unsigned status-list.json alone is trusted
 * @param issuer the only {@code iss} accepted
 * @param audience an audience {@code aud} must contain, or null to not check {@code aud}
 * @param port the HTTP port; 0 picks a free one
 * @param help whether {@code --help} was asked for; the other values are then defaults
 */
record SampleOptions(
    Path trustDirectory,
    java.net.URI trustUrl,
    String issuer,
    String audience,
    int port,
    java.time.Duration maxStatusListAge,
    boolean allowUnsignedStatusList,
    boolean help) {
  static final String DEFAULT_TRUST_DIR = "/etc/apitoken-trust";
  static final int DEFAULT_PORT = 8080;

  static final String USAGE =
      """
      usage: java -cp apitoken-verifier-tools.jar dev.apitoken.verifier.sample.SampleService \\
               --issuer ISS [--trust-dir DIR] [--trust-url URL] [--audience AUD] [--port N]
               [--max-status-age D] [--allow-unsigned-status-list]

      A tiny HTTP service that accepts a request only with a valid ApiToken
      (Authorization: Bearer <token>), verified offline against DIR, URL or both.
        --issuer ISS      the only iss accepted, e.g. https://apitoken-operator.local (required)
        --trust-dir DIR   the mounted apitoken-trust ConfigMap (default /etc/apitoken-trust,
                          unless only --trust-url is given)
        --trust-url URL   the operator's Status List provider (JWKS at
                          URL/.well-known/jwks.json; lists long-polled)
        --audience AUD    an audience aud must contain; not checked when absent
        --port N          HTTP port (default 8080); /healthz and /readyz are served there too
        --max-status-age D
                          a signed status list issued longer ago is stale: 90s, 10m, 1h
        --allow-unsigned-status-list
                          also trust an unsigned status-list.json (legacy; never goes stale)
      /readyz answers 503 while a followed status list is stale or missing.
      """;

  /**
   * Reads {@code args}; both {@code --name value} and {@code --name=value} work.
   *
   * @throws IllegalArgumentException naming the argument that is wrong
   */
  static SampleOptions parse(String[] args) {
    Path trustDirectory = null;
    java.net.URI trustUrl = null;
    java.time.Duration maxAge = null;
    boolean allowUnsigned = false;
    String issuer = null;
    String audience = null;
    int port = DEFAULT_PORT;
    Set<String> seen = new HashSet<>();
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      return new SampleOptions(
          Path.of(DEFAULT_TRUST_DIR), null, null, null, port, null, false, true);
    }
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value = null;
      int equals = name.indexOf('=');
      if (name.startsWith("--") && equals > 0) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      }
      if (name.equals("--allow-unsigned-status-list") && value == null) {
        if (!seen.add(name)) {
          throw new IllegalArgumentException(name + " is given twice");
        }
        allowUnsigned = true;
        continue;
      }
      if (!Set.of(
              "--trust-dir", "--trust-url", "--issuer", "--audience", "--port", "--max-status-age")
          .contains(name)) {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        value = args[++i];
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException(name + " is given twice");
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException(name + " must not be empty");
      }
      switch (name) {
        case "--trust-dir" -> trustDirectory = Path.of(value);
        case "--trust-url" -> trustUrl = parseUrl(value);
        case "--max-status-age" -> maxAge = parseAge(value);
        case "--issuer" -> issuer = value;
        case "--audience" -> audience = value;
        default -> port = parsePort(value);
      }
    }
    if (issuer == null) {
      throw new IllegalArgumentException(
          "--issuer is required: tokens of any other issuer must be refused");
    }
    if (trustDirectory == null && trustUrl == null) {
      trustDirectory = Path.of(DEFAULT_TRUST_DIR);
    }
    return new SampleOptions(
        trustDirectory, trustUrl, issuer, audience, port, maxAge, allowUnsigned, false);
  }

  private static java.net.URI parseUrl(String value) {
    try {
      java.net.URI uri = new java.net.URI(value);
      if (uri.getHost() != null
          && ("http".equalsIgnoreCase(uri.getScheme())
              || "https".equalsIgnoreCase(uri.getScheme()))) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // Reported below.
    }
    throw new IllegalArgumentException("--trust-url must be an http(s) URL, got " + value);
  }

  private static java.time.Duration parseAge(String value) {
    java.util.regex.Matcher matcher =
        java.util.regex.Pattern.compile("(\\d{1,9})(s|m|h)").matcher(value);
    if (!matcher.matches() || Long.parseLong(matcher.group(1)) == 0) {
      throw new IllegalArgumentException(
          "--max-status-age must be a positive duration such as 90s, 10m or 1h, got " + value);
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "m" -> java.time.Duration.ofMinutes(amount);
      case "h" -> java.time.Duration.ofHours(amount);
      default -> java.time.Duration.ofSeconds(amount);
    };
  }

  private static int parsePort(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new IllegalArgumentException("--port must be a number from 0 to 65535, got " + value);
  }
}
