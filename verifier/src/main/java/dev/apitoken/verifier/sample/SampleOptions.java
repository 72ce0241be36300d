package dev.apitoken.verifier.sample;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The sample service's command line: {@code --trust-dir DIR --issuer ISS [--audience AUD] [--port
 * N]}.
 *
 * @param trustDirectory the mounted trust ConfigMap
 * @param issuer the only {@code iss} accepted
 * @param audience an audience {@code aud} must contain, or null to not check {@code aud}
 * @param port the HTTP port; 0 picks a free one
 * @param help whether {@code --help} was asked for; the other values are then defaults
 */
record SampleOptions(Path trustDirectory, String issuer, String audience, int port, boolean help) {
  static final String DEFAULT_TRUST_DIR = "/etc/apitoken-trust";
  static final int DEFAULT_PORT = 8080;

  static final String USAGE =
      """
      usage: java -cp apitoken-operator.jar dev.apitoken.verifier.sample.SampleService \\
               --issuer ISS [--trust-dir DIR] [--audience AUD] [--port N]

      A tiny HTTP service that accepts a request only with a valid ApiToken
      (Authorization: Bearer <token>), verified offline against DIR.
        --issuer ISS      the only iss accepted, e.g. https://apitoken-operator.local (required)
        --trust-dir DIR   the mounted apitoken-trust ConfigMap (default /etc/apitoken-trust)
        --audience AUD    an audience aud must contain; not checked when absent
        --port N          HTTP port (default 8080); /healthz and /readyz are served there too
      """;

  /**
   * Reads {@code args}; both {@code --name value} and {@code --name=value} work.
   *
   * @throws IllegalArgumentException naming the argument that is wrong
   */
  static SampleOptions parse(String[] args) {
    Path trustDirectory = Path.of(DEFAULT_TRUST_DIR);
    String issuer = null;
    String audience = null;
    int port = DEFAULT_PORT;
    Set<String> seen = new HashSet<>();
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      return new SampleOptions(trustDirectory, null, null, port, true);
    }
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value = null;
      int equals = name.indexOf('=');
      if (name.startsWith("--") && equals > 0) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      }
      if (!Set.of("--trust-dir", "--issuer", "--audience", "--port").contains(name)) {
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
        case "--issuer" -> issuer = value;
        case "--audience" -> audience = value;
        default -> port = parsePort(value);
      }
    }
    if (issuer == null) {
      throw new IllegalArgumentException(
          "--issuer is required: tokens of any other issuer must be refused");
    }
    return new SampleOptions(trustDirectory, issuer, audience, port, false);
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
