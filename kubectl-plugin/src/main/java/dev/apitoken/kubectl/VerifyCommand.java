package dev.apitoken.kubectl;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.TrustLoadException;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code verify}: the verifier library's verdict on a token. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Verify a token read from standard input or from a token Secret (--secret NAME) with the"
          + " verifier library: signature by a published key, expiry, issuer/audience when given,"
          + " and the signed status list. Trust comes from the trust ConfigMap copy in the"
          + " namespace (-n; as a workload there mounts it), or from --trust-dir / --trust-url."
          + " The token is never printed."
    },
    footer = {
      "",
      "Exit codes: 0 valid, 4 rejected (the reason is printed), 1 error (trust unreadable),",
      "2 usage, 3 Secret or trust ConfigMap not found."
    })
final class VerifyCommand extends NamespacedCommand {
  @Option(names = "--secret", paramLabel = "NAME", description = "Read the token from this Secret.")
  String secret;

  @Option(
      names = "--trust-dir",
      paramLabel = "DIR",
      description = "A trust directory (jwks.json, status-list*.jwt) instead of the cluster's.")
  Path trustDir;

  @Option(
      names = "--trust-url",
      paramLabel = "URL",
      description = "The operator's Status List provider instead of the cluster's ConfigMap.")
  URI trustUrl;

  @Option(names = "--issuer", paramLabel = "ISS", description = "The expected iss.")
  String issuer;

  @Option(names = "--audience", paramLabel = "AUD", description = "An audience aud must contain.")
  String audience;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How long to wait for --trust-url (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Mixin OutputOptions output = new OutputOptions();

  VerifyCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() throws InterruptedException {
    output.refuseNames("verify");
    if (trustDir != null && trustUrl != null) {
      throw CliException.usage("give --trust-dir or --trust-url, not both");
    }
    TokenInput token =
        secret == null ? TokenInput.fromStdin(env) : TokenInput.fromSecret(cluster(), secret);
    String trustSource;
    Path tempDir = null;
    TokenVerifier.Builder builder = TokenVerifier.builder().watch(false).clock(env.clock());
    try {
      if (trustUrl != null) {
        builder.trustUrl(trustUrl);
        trustSource = trustUrl.toString();
      } else if (trustDir != null) {
        builder.trustDirectory(trustDir);
        trustSource = trustDir.toString();
      } else {
        Cluster cluster = cluster();
        Map<String, String> files = new PublishedTrust(cluster).files(cluster.namespace());
        tempDir = writeTrustDirectory(files);
        builder.trustDirectory(tempDir);
        trustSource = "ConfigMap " + cluster.namespace() + "/" + cluster.trustConfigMap();
      }
      if (issuer == null) {
        builder.acceptAnyIssuer();
      } else {
        builder.expectedIssuer(issuer);
      }
      builder.expectedAudience(audience);
      Verdict verdict;
      try (TokenVerifier verifier = builder.build()) {
        if (trustUrl != null) {
          verifier.awaitTrust(Duration.ofSeconds(timeoutSeconds));
        }
        verdict = verifier.verify(token.value());
      } catch (TrustLoadException e) {
        throw CliException.error("cannot load the trust of " + trustSource + ": " + e.getMessage());
      }
      print(verdict, token, trustSource);
      return verdict.isAccepted() ? ExitCodes.OK : ExitCodes.NOT_READY;
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    } finally {
      if (tempDir != null) {
        deleteTree(tempDir);
      }
    }
  }

  private void print(Verdict verdict, TokenInput token, String trustSource) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("source", token.source);
    doc.put("fingerprint", "sha256:" + token.fingerprint());
    doc.put("trust", trustSource);
    if (verdict instanceof Verdict.Accepted accepted) {
      TokenClaims claims = accepted.claims();
      doc.put("verdict", "VALID");
      doc.put("kid", accepted.kid());
      doc.put("issuer", claims.issuer());
      doc.put("subject", claims.subject());
      doc.put("audience", claims.audiences());
      doc.put("jti", claims.jti());
      doc.put("expiresAt", claims.expiresAt().toString());
      doc.put("statusListIndex", claims.statusIndex());
    } else if (verdict instanceof Verdict.Rejected rejected) {
      doc.put("verdict", "REJECTED");
      doc.put("reason", rejected.reason().name());
      doc.put("explanation", explain(rejected.reason()));
      StatusCommand.put(doc, "kid", rejected.kid());
      StatusCommand.put(doc, "jti", rejected.jti());
      StatusCommand.put(doc, "subject", rejected.subject());
    }
    if (!output.isText()) {
      Render.document(output, doc, env.out());
      return;
    }
    doc.forEach(
        (name, value) ->
            env.out()
                .printf(
                    "%-17s%s%n",
                    name + ":",
                    Render.cell(
                        value instanceof java.util.Collection<?> c
                            ? String.join(", ", c.stream().map(String::valueOf).toList())
                            : String.valueOf(value))));
  }

  /** What a rejection means for the person on call. */
  static String explain(Rejection reason) {
    return switch (reason.name()) {
      case "REVOKED" -> "the token is revoked in the published status list";
      case "UNKNOWN_KEY" ->
          "no published key has this kid (revoked or rotated out, or the copy is not updated yet)";
      case "EXPIRED" -> "the token has expired";
      case "BAD_SIGNATURE" -> "the signature does not match the published key";
      case "STATUS_STALE" -> "the signed status list is too old to be trusted";
      case "STATUS_LIST_MISSING" -> "no status list for the token's index is published here";
      default -> reason.name().toLowerCase().replace('_', ' ');
    };
  }

  private static Path writeTrustDirectory(Map<String, String> files) {
    try {
      Path dir = Files.createTempDirectory("apitoken-trust");
      for (Map.Entry<String, String> f : files.entrySet()) {
        if (!f.getKey().matches("[A-Za-z0-9._-]+")) {
          continue; // a ConfigMap key is a file name; anything else is no trust file
        }
        Files.writeString(dir.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind holds only public trust files
    }
  }
}
