package dev.apitoken.verifier.sample;

import dev.apitoken.cli.CommandLines;
import dev.apitoken.verifier.cli.TrustFlags;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
    Flags flags = new Flags();
    CommandLines.Sources given =
        CommandLines.parse(flags, args, Map.of(), CommandLines.NO_VARIABLES);
    if (given.helpRequested()) {
      return new SampleOptions(
          Path.of(DEFAULT_TRUST_DIR), null, null, null, DEFAULT_PORT, null, false, true);
    }
    for (String value :
        new String[] {
          flags.trust.trustDir,
          flags.trust.trustUrl,
          flags.trust.issuer,
          flags.trust.audience,
          flags.port,
          flags.trust.maxStatusAge
        }) {
      if (value != null && value.isEmpty()) {
        throw new IllegalArgumentException(emptyFlag(flags) + " must not be empty");
      }
    }
    if (flags.trust.issuer == null) {
      throw new IllegalArgumentException(
          "--issuer is required: tokens of any other issuer must be refused");
    }
    java.net.URI trustUrl = flags.trust.trustUrl == null ? null : parseUrl(flags.trust.trustUrl);
    Path trustDirectory =
        flags.trust.trustDir != null
            ? Path.of(flags.trust.trustDir)
            : trustUrl == null ? Path.of(DEFAULT_TRUST_DIR) : null;
    return new SampleOptions(
        trustDirectory,
        trustUrl,
        flags.trust.issuer,
        flags.trust.audience,
        flags.port == null ? DEFAULT_PORT : CommandLines.number("--port", flags.port, 0, 65535),
        flags.trust.maxStatusAge == null ? null : parseAge(flags.trust.maxStatusAge),
        flags.trust.allowUnsigned,
        false);
  }

  /** The flags, as picocli reads them; values stay text until {@link #parse} checks them. */
  @Command(name = "sample-service")
  static final class Flags {
    @Mixin TrustFlags trust = new TrustFlags();

    @Option(names = "--port")
    String port;
  }

  private static String emptyFlag(Flags flags) {
    if ("".equals(flags.trust.trustDir)) {
      return "--trust-dir";
    } else if ("".equals(flags.trust.trustUrl)) {
      return "--trust-url";
    } else if ("".equals(flags.trust.issuer)) {
      return "--issuer";
    } else if ("".equals(flags.trust.audience)) {
      return "--audience";
    } else if ("".equals(flags.port)) {
      return "--port";
    }
    return "--max-status-age";
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
}
