package dev.apitoken.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
          "--threads");

  static final String USAGE =
      """
      usage: java -jar apitoken-gateway.jar --issuer ISS [--trust-dir DIR] [--trust-url URL]
               [--policy FILE] [--port N] [--management-port N] [--cache-size N] [--threads N]

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
      Every flag is also read from APITOKEN_GATEWAY_<FLAG> (e.g. APITOKEN_GATEWAY_TRUST_DIR).
      Exit codes: 0 after --help, 2 for a wrong command line, 1 when the gateway cannot start.
      """;

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
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    for (String flag : FLAGS) {
      String variable = variableOf(flag);
      String value = env.get(variable);
      if (value != null && !value.isEmpty()) {
        values.put(flag, value);
        sources.put(flag, variable);
      }
    }
    Map<String, String> fromArgs = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value = null;
      int equals = name.indexOf('=');
      if (name.startsWith("--") && equals > 0) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      }
      if (!FLAGS.contains(name)) {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        value = args[++i];
      }
      if (fromArgs.put(name, value) != null) {
        throw new IllegalArgumentException(name + " is given twice");
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException(name + " must not be empty");
      }
      values.put(name, value);
      sources.put(name, name);
    }

    String issuer = values.get("--issuer");
    if (issuer == null) {
      throw new IllegalArgumentException(
          "--issuer (or "
              + variableOf("--issuer")
              + ") is required: tokens of any other issuer"
              + " must be refused");
    }
    GatewayConfig.Builder builder = GatewayConfig.builder(issuer);
    for (Map.Entry<String, String> entry : values.entrySet()) {
      String flag = entry.getKey();
      String value = entry.getValue();
      String source = sources.get(flag);
      switch (flag) {
        case "--port" -> builder.port(port(source, value));
        case "--management-port" -> builder.managementPort(port(source, value));
        case "--trust-dir" -> builder.trustDirectory(Path.of(value));
        case "--trust-url" -> builder.trustUrl(url(source, value));
        case "--policy" -> builder.policyFile(Path.of(value));
        case "--cache-size" -> builder.cacheSize(number(source, value, 0, 100_000_000));
        case "--threads" -> builder.threads(number(source, value, 1, 1024));
        default -> {
          // --issuer, read above.
        }
      }
    }
    if (!values.containsKey("--trust-dir") && !values.containsKey("--trust-url")) {
      throw new IllegalArgumentException(
          "set --trust-dir, --trust-url or both: without trust every token would be refused");
    }
    return builder.build();
  }

  static String variableOf(String flag) {
    return ENV_PREFIX + flag.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
  }

  private static int port(String source, String value) {
    return number(source, value, 0, 65535);
  }

  private static int number(String source, String value, int min, int max) {
    try {
      int number = Integer.parseInt(value);
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new IllegalArgumentException(
        source + " must be a number from " + min + " to " + max + ", got " + value);
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
