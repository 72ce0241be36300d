package dev.apitoken.gateway;

import dev.apitoken.cli.CommandLines;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The gateway's command line. Every flag can also be given as an environment variable {@code
 * APITOKEN_GATEWAY_<FLAG_UPPER_SNAKE>} ({@code --trust-dir} is {@code APITOKEN_GATEWAY_TRUST_DIR});
 * a flag wins over its variable, and an empty variable counts as unset.
 */
final class GatewayOptions {
  static final String ENV_PREFIX = "APITOKEN_GATEWAY_";

  static final List<String> FLAGS =
      List.of(
          "--port",
          "--management-port",
          "--trust-dir",
          "--trust-url",
          "--issuer",
          "--policy",
          "--cache-size",
          "--threads",
          "--log-format",
          "--log-level");

  static final String USAGE =
      """
      usage: java -jar apitoken-gateway.jar --issuer ISS [--trust-dir DIR] [--trust-url URL]
               [--policy FILE] [--port N] [--management-port N] [--cache-size N] [--threads N]
               [--log-format text|json] [--log-level LEVEL]

      Answers auth sub-requests of ingress-nginx (auth-url), Traefik (forwardAuth) and
      Envoy / Istio (ext_authz over HTTP) by verifying the request's bearer ApiToken.
        --issuer ISS          the only iss accepted (required)
        --trust-dir DIR       the mounted apitoken-trust ConfigMap directory
        --trust-url URL       the operator's Status List provider, e.g.
                              http://apitoken-operator-status.apitoken-system.svc
                              (at least one of --trust-dir / --trust-url)
        --policy FILE         route policy YAML, reloaded on change (default: every request
                              needs a valid token of any audience)
        --port N              /auth and /envoy/... (default 8080)
        --management-port N   /healthz, /readyz, /metrics (default 9090)
        --cache-size N        verified-token cache entries, 0 turns it off (default 100000)
        --threads N           request threads (default 2 x cores, at least 4)
        --log-format F        text or json, one line per event, as the operator's (default text)
        --log-level L         error, warn, info, debug or trace (default info)
      Every flag is also read from APITOKEN_GATEWAY_<FLAG> (e.g. APITOKEN_GATEWAY_TRUST_DIR).
      Exit codes: 0 after --help, 2 for a wrong command line, 1 when the gateway cannot start.
      """;

  /** The flags, as picocli reads them; values stay text until {@link #parse} checks them. */
  @Command(name = "apitoken-gateway", mixinStandardHelpOptions = false)
  static final class Flags {
    @Option(names = "--port")
    String port;

    @Option(names = "--management-port")
    String managementPort;

    @Option(names = "--trust-dir")
    String trustDir;

    @Option(names = "--trust-url")
    String trustUrl;

    @Option(names = "--issuer")
    String issuer;

    @Option(names = "--policy")
    String policy;

    @Option(names = "--cache-size")
    String cacheSize;

    @Option(names = "--threads")
    String threads;

    @Option(names = "--log-format")
    String logFormat;

    @Option(names = "--log-level")
    String logLevel;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true)
    boolean help;
  }

  private GatewayOptions() {}

  /** Whether {@code args} ask for the usage text. */
  static boolean wantsHelp(String[] args) {
    return List.of(args).contains("--help") || List.of(args).contains("-h");
  }

  /**
   * Reads the configuration from {@code args} and {@code env}.
   *
   * @throws IllegalArgumentException naming the flag (or variable) that is wrong
   */
  static GatewayConfig parse(String[] args, Map<String, String> env) {
    Flags flags = new Flags();
    CommandLines.Sources from = CommandLines.parse(flags, args, env, GatewayOptions::variableOf);
    for (String flag : FLAGS) {
      if (from.isSet(flag) && value(flags, flag).isEmpty()) {
        throw new IllegalArgumentException(flag + " must not be empty");
      }
    }
    if (flags.issuer == null) {
      throw new IllegalArgumentException(
          "--issuer (or "
              + variableOf("--issuer")
              + ") is required: tokens of any other issuer"
              + " must be refused");
    }
    GatewayConfig.Builder builder = GatewayConfig.builder(flags.issuer);
    if (from.isSet("--port")) {
      builder.port(port(from.nameOf("--port"), flags.port));
    }
    if (from.isSet("--management-port")) {
      builder.managementPort(port(from.nameOf("--management-port"), flags.managementPort));
    }
    if (flags.trustDir != null) {
      builder.trustDirectory(Path.of(flags.trustDir));
    }
    if (flags.trustUrl != null) {
      builder.trustUrl(url(from.nameOf("--trust-url"), flags.trustUrl));
    }
    if (flags.policy != null) {
      builder.policyFile(Path.of(flags.policy));
    }
    if (flags.cacheSize != null) {
      builder.cacheSize(
          CommandLines.number(from.nameOf("--cache-size"), flags.cacheSize, 0, 100_000_000));
    }
    if (flags.threads != null) {
      builder.threads(CommandLines.number(from.nameOf("--threads"), flags.threads, 1, 1024));
    }
    if (flags.logFormat != null) {
      builder.logFormat(
          oneOf(
              from.nameOf("--log-format"),
              flags.logFormat,
              GatewayLogging.TEXT,
              GatewayLogging.JSON));
    }
    if (flags.logLevel != null) {
      builder.logLevel(
          oneOf(
              from.nameOf("--log-level"),
              flags.logLevel,
              "error",
              "warn",
              "info",
              "debug",
              "trace"));
    }
    if (flags.trustDir == null && flags.trustUrl == null) {
      throw new IllegalArgumentException(
          "set --trust-dir, --trust-url or both: without trust every token would be refused");
    }
    return builder.build();
  }

  private static String value(Flags flags, String flag) {
    String value =
        switch (flag) {
          case "--port" -> flags.port;
          case "--management-port" -> flags.managementPort;
          case "--trust-dir" -> flags.trustDir;
          case "--trust-url" -> flags.trustUrl;
          case "--issuer" -> flags.issuer;
          case "--policy" -> flags.policy;
          case "--cache-size" -> flags.cacheSize;
          case "--log-format" -> flags.logFormat;
          case "--log-level" -> flags.logLevel;
          default -> flags.threads;
        };
    return value == null ? "" : value;
  }

  private static String oneOf(String source, String value, String... allowed) {
    String chosen = value.trim().toLowerCase(Locale.ROOT);
    if (List.of(allowed).contains(chosen)) {
      return chosen;
    }
    throw new IllegalArgumentException(
        source + " must be one of " + String.join(", ", allowed) + ", got " + value);
  }

  static String variableOf(String flag) {
    return CommandLines.variable(ENV_PREFIX, flag);
  }

  private static int port(String source, String value) {
    return CommandLines.number(source, value, 0, 65535);
  }

  private static URI url(String source, String value) {
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https"))
          && uri.getHost() != null
          && uri.getRawQuery() == null
          && uri.getRawFragment() == null
          && uri.getRawUserInfo() == null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // Reported below.
    }
    // The value is not repeated: user info in it would be a password on stderr.
    throw new IllegalArgumentException(
        source + " must be an http(s) URL with a host and no query, fragment or user info");
  }
}
