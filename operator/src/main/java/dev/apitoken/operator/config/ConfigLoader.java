package dev.apitoken.operator.config;

import dev.apitoken.operator.token.Durations;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Reads {@link OperatorConfig} from {@code --name=value} flags (picocli), then {@code
 * APITOKEN_NAME} environment variables, then defaults. Every problem is collected and reported at
 * once, each naming its setting, so a bad install fails at start-up with one clear message.
 */
public final class ConfigLoader {
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final Pattern DURATION = Pattern.compile(Durations.PATTERN);
  private static final Path SERVICE_ACCOUNT_NAMESPACE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  /** Every setting: its flag name (also the env var suffix) and its default. */
  public static final Map<String, String> DEFAULTS = defaults();

  private final Map<String, String> values;
  private final List<String> errors = new ArrayList<>();

  private ConfigLoader(Map<String, String> values) {
    this.values = values;
  }

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("issuer", "https://apitoken-operator.local");
    d.put("default-ttl", "720h");
    d.put("max-ttl", "8760h");
    d.put("key-rotation-period", "720h");
    d.put("operator-namespace", "");
    d.put("trust-configmap", "apitoken-trust");
    d.put("key-ring-secret", "apitoken-signing-keys");
    d.put("status-list-uri", "");
    d.put("watch-namespaces", "");
    d.put("target-namespace-selector", "");
    d.put("leader-election", "true");
    d.put("lease-name", "apitoken-operator-leader");
    d.put("http-port", "8080");
    d.put("log-format", "text");
    d.put("log-level", "info");
    d.put("key-loss-reissue-limit", "50");
    d.put("key-loss-reissue-interval", "10s");
    d.put("status-list-validity", "1h");
    d.put("status-list-ttl", "30s");
    d.put("status-port", "8081");
    // ~28 KiB of heap per parked long-poll (docs/PERFORMANCE.md): 4,000 hold ~110 MiB, under a
    // third of the chart's heap (75% of its 512 MiB limit), leaving the rest to the operator's
    // state. Past the bound a client is told to retry in 5 s, it is not cut off.
    d.put("status-max-waiters", "4000");
    return Map.copyOf(d);
  }

  /**
   * Environment variable for a setting, e.g. {@code default-ttl} → {@code APITOKEN_DEFAULT_TTL}.
   */
  public static String envName(String setting) {
    return "APITOKEN_" + setting.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /**
   * Reads every setting: {@code --name=value} (or {@code --name value}), else {@code APITOKEN_NAME}
   * from {@code env}, else its default. The flags are picocli options built from {@link #DEFAULTS},
   * so the table above is the one list of settings.
   *
   * @throws InvalidConfigException listing every problem, each naming its setting
   */
  public static OperatorConfig load(String[] args, Map<String, String> env) {
    CommandSpec spec = CommandSpec.create().name("apitoken-operator");
    for (String setting : DEFAULTS.keySet()) {
      spec.addOption(
          OptionSpec.builder("--" + setting)
              .type(String.class)
              .arity("1")
              .defaultValue(env.getOrDefault(envName(setting), DEFAULTS.get(setting)))
              .build());
    }
    spec.parser()
        .collectErrors(true) // report every problem at once, as the checks below do
        .overwrittenOptionsAllowed(true) // a flag given twice: the last one counts
        .expandAtFiles(false);
    CommandLine cli = new CommandLine(spec);
    ParseResult parsed = cli.parseArgs(args);
    List<String> errors = new ArrayList<>();
    for (Exception e : parsed.errors()) {
      errors.addAll(describe(e));
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String setting : DEFAULTS.keySet()) {
      values.put(setting, spec.findOption("--" + setting).getValue());
    }
    if (values.get("operator-namespace").isBlank()) {
      values.put("operator-namespace", env.getOrDefault("POD_NAMESPACE", podNamespace()));
    }
    ConfigLoader loader = new ConfigLoader(values);
    loader.errors.addAll(errors);
    return loader.build();
  }

  /** A command-line error in the words of the other checks: what is wrong, and what to write. */
  private static List<String> describe(Exception e) {
    if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
      List<String> problems = new ArrayList<>();
      for (String arg : unmatched.getUnmatched()) {
        if (arg.startsWith("--")) {
          String name = arg.contains("=") ? arg.substring(2, arg.indexOf('=')) : arg.substring(2);
          problems.add(
              "unknown setting --"
                  + name
                  + "; known settings: --"
                  + String.join(", --", DEFAULTS.keySet()));
        } else {
          problems.add("argument '" + arg + "': use --name=value");
        }
      }
      return problems;
    }
    if (e instanceof CommandLine.MissingParameterException missing
        && !missing.getMissing().isEmpty()
        && missing.getMissing().get(0) instanceof OptionSpec option) {
      return List.of("argument '" + option.longestName() + "' has no value: use --name=value");
    }
    return List.of(e.getMessage());
  }

  private static String podNamespace() {
    try {
      return Files.readString(SERVICE_ACCOUNT_NAMESPACE).trim();
    } catch (Exception notInAPod) {
      return "apitoken-system";
    }
  }

  private OperatorConfig build() {
    String issuer = require("issuer", this::validIssuer);
    Duration defaultTtl = require("default-ttl", this::positiveDuration);
    Duration maxTtl = require("max-ttl", this::positiveDuration);
    Duration rotation = require("key-rotation-period", this::positiveDuration);
    String namespace =
        require("operator-namespace", v -> matching(v, DNS_LABEL, "a namespace name"));
    // Names derived from it (<trust>-revocations-<n>, <trust>-issued-<n>) must stay within 253.
    String trust =
        require(
            "trust-configmap",
            v -> atMost(matching(v, DNS_SUBDOMAIN, "a ConfigMap name"), MAX_TRUST_NAME_LENGTH));
    String keyRing = require("key-ring-secret", v -> matching(v, DNS_SUBDOMAIN, "a Secret name"));
    String statusListUri = values.get("status-list-uri");
    if (statusListUri.isBlank() && issuer != null) {
      statusListUri = issuer.replaceAll("/+$", "") + "/statuslist";
    }
    Set<String> watched = new LinkedHashSet<>();
    for (String ns : values.get("watch-namespaces").split(",")) {
      if (!ns.isBlank()) {
        watched.add(matching(ns.trim(), DNS_LABEL, "a namespace name"));
      }
    }
    Boolean leaderElection = require("leader-election", this::bool);
    String leaseName = require("lease-name", v -> matching(v, DNS_SUBDOMAIN, "a Lease name"));
    Integer port = require("http-port", this::port);
    String logFormat = require("log-format", v -> oneOf(v, "text", "json"));
    String logLevel =
        require("log-level", v -> oneOf(v, "error", "warn", "info", "debug", "trace"));
    Integer reissueLimit = require("key-loss-reissue-limit", this::positiveCount);
    Duration reissueInterval = require("key-loss-reissue-interval", this::positiveDuration);
    Duration validity = require("status-list-validity", this::positiveDuration);
    Duration listTtl = require("status-list-ttl", this::positiveDuration);
    Integer statusPort = require("status-port", this::port);
    Integer maxWaiters = require("status-max-waiters", this::positiveCount);
    checkStatusList(statusListUri, validity, listTtl, port, statusPort);
    if (defaultTtl != null && maxTtl != null && defaultTtl.compareTo(maxTtl) > 0) {
      errors.add(
          "default-ttl ("
              + values.get("default-ttl")
              + ") is longer than max-ttl ("
              + values.get("max-ttl")
              + "): lower default-ttl or raise max-ttl");
    }
    if (!errors.isEmpty()) {
      throw new InvalidConfigException(errors);
    }
    return new OperatorConfig(
        issuer,
        defaultTtl,
        maxTtl,
        rotation,
        namespace,
        trust,
        keyRing,
        statusListUri,
        Set.copyOf(watched),
        values.get("target-namespace-selector").trim(),
        leaderElection,
        leaseName,
        port,
        logFormat,
        logLevel,
        reissueLimit,
        reissueInterval,
        validity,
        listTtl,
        statusPort,
        maxWaiters);
  }

  /**
   * Shard k of the list is served at {@code <status-list-uri>/<k>}, which a query or fragment would
   * break; the heartbeat re-signs at a quarter of the validity, so it needs whole seconds to work
   * with; a ttl beyond the validity would let a consumer cache a list past its {@code exp}.
   */
  private void checkStatusList(
      String uri, Duration validity, Duration listTtl, Integer httpPort, Integer statusPort) {
    if (uri != null && !uri.isBlank()) {
      try {
        URI parsed = new URI(uri);
        if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
          errors.add(
              "status-list-uri (--status-list-uri or "
                  + envName("status-list-uri")
                  + ") is '"
                  + uri
                  + "': must have no query or fragment, because shard k is served at"
                  + " <status-list-uri>/<k>");
        }
      } catch (java.net.URISyntaxException e) {
        errors.add(
            "status-list-uri (--status-list-uri or "
                + envName("status-list-uri")
                + ") is '"
                + uri
                + "': not a URI ("
                + e.getReason()
                + ")");
      }
    }
    if (validity != null && validity.toSeconds() < 60) {
      errors.add(
          "status-list-validity is '"
              + values.get("status-list-validity")
              + "': use at least 1m (the list is re-signed every quarter of it)");
    }
    if (validity != null && listTtl != null && listTtl.compareTo(validity) > 0) {
      errors.add(
          "status-list-ttl ("
              + values.get("status-list-ttl")
              + ") is longer than status-list-validity ("
              + values.get("status-list-validity")
              + "): a consumer could then cache a list past its exp");
    }
    if (httpPort != null && httpPort.equals(statusPort)) {
      errors.add(
          "status-port and http-port are both "
              + httpPort
              + ": the Status List provider needs a port of its own");
    }
  }

  private <T> T require(String setting, Function<String, T> parser) {
    try {
      return parser.apply(values.get(setting).trim());
    } catch (IllegalArgumentException e) {
      errors.add(
          setting
              + " (--"
              + setting
              + " or "
              + envName(setting)
              + ") is '"
              + values.get(setting)
              + "': "
              + e.getMessage());
      return null;
    }
  }

  private String validIssuer(String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException("set the token issuer, e.g. https://tokens.example.com");
    }
    if (value.contains("://")) {
      URI.create(value);
    }
    return value;
  }

  private Duration positiveDuration(String value) {
    if (!DURATION.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "use hours, minutes and seconds, e.g. 720h or 1h30m" + Durations.daysHint(value));
    }
    Duration parsed = Durations.parse(value);
    if (parsed.isZero()) {
      throw new IllegalArgumentException("must be longer than zero");
    }
    return parsed;
  }

  private boolean bool(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("use true or false");
    };
  }

  private Integer positiveCount(String value) {
    try {
      int count = Integer.parseInt(value);
      if (count < 1) {
        throw new IllegalArgumentException("use a whole number of at least 1");
      }
      return count;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("use a whole number, e.g. 50");
    }
  }

  private Integer port(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("use a port between 1 and 65535");
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("use a port number, e.g. 8080");
    }
  }

  private static String matching(String value, Pattern pattern, String what) {
    if (!pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "not " + what + " (lowercase letters, digits and '-', starting and ending alphanumeric)");
    }
    return value;
  }

  /** Leaves room for the longest derived name, {@code <trust>-revocations-<n>}. */
  static final int MAX_TRUST_NAME_LENGTH = 230;

  private static String atMost(String value, int length) {
    if (value.length() > length) {
      throw new IllegalArgumentException(
          "at most "
              + length
              + " characters, so the names derived from it stay within 253 (got "
              + value.length()
              + ")");
    }
    return value;
  }

  private static String oneOf(String value, String... allowed) {
    if (!Arrays.asList(allowed).contains(value)) {
      throw new IllegalArgumentException("use one of " + String.join(", ", allowed));
    }
    return value;
  }
}
