package dev.apitoken.verifier.cli;

import dev.apitoken.cli.CommandLines;
import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.TrustLoadException;
import dev.apitoken.format.UntrustedText;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.TrustHealth;
import dev.apitoken.verifier.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code verify --trust-dir DIR | --trust-url URL [--issuer ISS] [--audience AUD] [--leeway 30s]}:
 * verifies the token read from standard input against a trust directory, a Status List provider
 * over HTTP, or both, and prints the verdict and claims. The token itself is never printed.
 *
 * <p>Exit codes: 0 valid, 1 rejected, 2 usage or trust directory error.
 */
public final class VerifyCommand {
  public static final int VALID = 0;
  public static final int REJECTED = 1;
  public static final int USAGE = 2;

  static final String USAGE_TEXT =
      """
      usage: verify [--trust-dir DIR] [--trust-url URL] [--issuer ISS] [--audience AUD]
                    [--leeway 30s] [--max-status-age D] [--timeout 10s]
                    [--allow-unsigned-status-list]

      Reads one token from standard input and verifies it against the trust of DIR,
      URL or both (at least one is required; with both, the signed status list with
      the higher ver counts, and the keys of both are trusted).
        --trust-dir DIR   the mounted trust volume: jwks.json and status-list.jwt (and
                          status-list-<k>.jwt shards) as the apitoken-trust ConfigMaps
                          mount them
        --trust-url URL   the operator's Status List provider, e.g.
                          https://tokens.example.com: the JWKS at
                          URL/.well-known/jwks.json, and the token's status list URI
                          when it is on the same origin
        --issuer ISS      the expected iss; not checked when absent
        --audience AUD    an audience aud must contain; not checked when absent
        --leeway D        clock skew tolerated on exp and nbf: 30s, 500ms, 2m or PT30S
                          (default 30s)
        --max-status-age D
                          a signed status list issued longer ago is stale (default:
                          only its exp counts)
        --timeout D       how long to wait for URL (default 10s)
        --allow-unsigned-status-list
                          also trust an unsigned status-list.json without a .jwt
                          beside it (legacy; such a list never goes stale)
      A stale status list rejects with STATUS_STALE, a missing one with
      STATUS_LIST_MISSING.
      Exit codes: 0 valid, 1 rejected, 2 usage or trust error.
      """;

  /** Reads no more than this from standard input; anything longer is too large anyway. */
  private static final int MAX_INPUT_BYTES = 1024 * 1024;

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

  private VerifyCommand() {}

  public static void main(String[] args) {
    System.exit(run(args, System.in, System.out, System.err));
  }

  /**
   * Runs the command with the given streams.
   *
   * @return the exit code: {@link #VALID}, {@link #REJECTED} or {@link #USAGE}
   */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    Map<String, String> options;
    try {
      options = parseArguments(args);
    } catch (IllegalArgumentException e) {
      err.println(
          "error: " + UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH));
      err.print(USAGE_TEXT);
      return USAGE;
    }
    if (options.containsKey("--help")) {
      out.print(USAGE_TEXT);
      return VALID;
    }

    TokenVerifier.Builder builder = TokenVerifier.builder().watch(false);
    Duration timeout = DEFAULT_TIMEOUT;
    try {
      if (options.containsKey("--trust-dir")) {
        builder.trustDirectory(Path.of(options.get("--trust-dir")));
      }
      if (options.containsKey("--trust-url")) {
        builder.trustUrl(URI.create(options.get("--trust-url")));
      }
      if (options.containsKey("--allow-unsigned-status-list")) {
        builder.allowUnsignedStatusList();
      }
      if (options.containsKey("--max-status-age")) {
        builder.maxStatusListAge(parseDuration(options.get("--max-status-age")));
      }
      if (options.containsKey("--timeout")) {
        timeout = parseDuration(options.get("--timeout"));
      }
    } catch (IllegalArgumentException e) {
      err.println(
          "error: " + UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH));
      return USAGE;
    }
    if (options.containsKey("--issuer")) {
      builder.expectedIssuer(options.get("--issuer"));
    } else {
      builder.acceptAnyIssuer();
      err.println("note: no --issuer given, so the issuer is not checked");
    }
    builder.expectedAudience(options.get("--audience"));
    if (options.containsKey("--leeway")) {
      try {
        builder.leeway(parseDuration(options.get("--leeway")));
      } catch (IllegalArgumentException e) {
        err.println(
            "error: --leeway: "
                + UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH));
        return USAGE;
      }
    }

    String token;
    try {
      token = readToken(in);
    } catch (IOException e) {
      err.println(
          "error: cannot read the token from standard input: "
              + UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH));
      return USAGE;
    }
    if (token.isEmpty()) {
      err.println("error: no token on standard input");
      return USAGE;
    }

    Verdict verdict;
    try (TokenVerifier verifier = builder.build()) {
      verdict = verifyWaitingForTrust(verifier, token, timeout, err);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("error: interrupted");
      return USAGE;
    } catch (TrustLoadException e) {
      err.println(
          "error: " + UntrustedText.escape(e.getMessage(), UntrustedText.MESSAGE_MAX_LENGTH));
      return USAGE;
    }
    print(verdict, out);
    return verdict.isAccepted() ? VALID : REJECTED;
  }

  /**
   * Verifies once the HTTP source has answered; when the token's status list was not followed yet
   * (learned from this very token), waits for it and verifies again.
   */
  private static Verdict verifyWaitingForTrust(
      TokenVerifier verifier, String token, Duration timeout, PrintStream err)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    verifier.awaitTrust(timeout);
    Verdict verdict = verifier.verify(token);
    if (verdict.rejection().filter(reason -> reason == Rejection.STATUS_LIST_MISSING).isPresent()) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (verifier.awaitTrust(Duration.ofNanos(left))) {
        verdict = verifier.verify(token);
      }
    }
    TrustHealth health = verifier.trustHealth();
    if (!health.ready()) {
      for (String problem : health.problems()) {
        err.println("note: " + problem);
      }
    }
    return verdict;
  }

  private static Map<String, String> parseArguments(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      options.put("--help", "");
      return options;
    }
    if (args.length == 0 || !args[0].equals("verify")) {
      throw new IllegalArgumentException("the command is verify");
    }
    Flags flags = new Flags();
    CommandLines.Sources given =
        CommandLines.parse(
            flags, Arrays.copyOfRange(args, 1, args.length), Map.of(), CommandLines.NO_VARIABLES);
    if (given.helpRequested()) {
      options.put("--help", "");
      return options;
    }
    put(options, "--trust-dir", flags.trust.trustDir);
    put(options, "--trust-url", flags.trust.trustUrl);
    put(options, "--issuer", flags.trust.issuer);
    put(options, "--audience", flags.trust.audience);
    put(options, "--leeway", flags.leeway);
    put(options, "--max-status-age", flags.trust.maxStatusAge);
    put(options, "--timeout", flags.timeout);
    if (flags.trust.allowUnsigned) {
      options.put("--allow-unsigned-status-list", "");
    }
    if (!options.containsKey("--trust-dir") && !options.containsKey("--trust-url")) {
      throw new IllegalArgumentException("--trust-dir or --trust-url (or both) is required");
    }
    return options;
  }

  private static void put(Map<String, String> options, String flag, String value) {
    if (value != null) {
      options.put(flag, value);
    }
  }

  /** The flags after {@code verify}, as picocli reads them; {@link #run} checks the values. */
  @Command(name = "verify")
  static final class Flags {
    @Mixin TrustFlags trust = new TrustFlags();

    @Option(names = "--leeway")
    String leeway;

    @Option(names = "--timeout")
    String timeout;
  }

  static Duration parseDuration(String text) {
    Matcher simple = SIMPLE_DURATION.matcher(text);
    if (simple.matches()) {
      long amount = Long.parseLong(simple.group(1));
      String unit = simple.group(2) == null ? "s" : simple.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofSeconds(amount);
      };
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a duration: " + text, e);
    }
  }

  private static String readToken(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(MAX_INPUT_BYTES);
    return new String(bytes, StandardCharsets.UTF_8).strip();
  }

  private static void print(Verdict verdict, PrintStream out) {
    Map<String, Object> lines = new LinkedHashMap<>();
    if (verdict instanceof Verdict.Accepted accepted) {
      TokenClaims claims = accepted.claims();
      lines.put("verdict", "VALID");
      lines.put("kid", accepted.kid());
      lines.put("issuer", claims.issuer());
      lines.put("subject", claims.subject());
      lines.put("audience", String.join(" ", claims.audiences()));
      lines.put("scopes", String.join(" ", claims.scopes()));
      lines.put("issued-at", claims.issuedAt());
      lines.put("not-before", claims.notBefore());
      lines.put("expires-at", claims.expiresAt());
      lines.put("jti", claims.jti());
      lines.put("status", "idx " + claims.statusIndex() + " in " + claims.statusUri());
    } else if (verdict instanceof Verdict.Rejected rejected) {
      lines.put("verdict", "REJECTED");
      lines.put("reason", rejected.reason());
      lines.put("kid", rejected.kid());
      lines.put("jti", rejected.jti());
      lines.put("subject", rejected.subject());
    }
    lines.forEach(
        (name, value) -> {
          if (value != null) {
            // Claims are signed but still free text; a kid of a rejected token is anyone's.
            out.printf(
                "%-11s %s%n",
                name, UntrustedText.escape(value.toString(), UntrustedText.MESSAGE_MAX_LENGTH));
          }
        });
  }
}
