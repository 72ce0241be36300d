package dev.apitoken.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code inspect}: decode a token without printing it. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Decode a token read from standard input or from a token Secret (--secret NAME) and"
          + " print its header and claims, never the token itself: only its fingerprint (SHA-256,"
          + " base64url, as status.tokenHash). With --secret, also whether it is the current"
          + " token of its ApiToken. Does not check the signature: use 'verify'."
    },
    footer = {
      "",
      "Exit codes: 0 decoded, 1 not a JWT, 2 usage, 3 Secret not found or without 'token'."
    })
final class InspectCommand extends NamespacedCommand {
  @Option(
      names = "--secret",
      paramLabel = "NAME",
      description = "Read the token from this Secret's key 'token' (namespace -n).")
  String secret;

  @Mixin OutputOptions output = new OutputOptions();

  InspectCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() {
    output.refuseNames("inspect");
    TokenInput token =
        secret == null ? TokenInput.fromStdin(env) : TokenInput.fromSecret(cluster(), secret);
    Decoded decoded = decode(token.value());
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("source", token.source);
    doc.put("fingerprint", "sha256:" + token.fingerprint());
    String match = null;
    if (token.ownerName != null) {
      match = currentTokenCheck(token);
      doc.put("apiToken", token.secretNamespace + "/" + token.ownerName);
      doc.put("currentToken", match);
    }
    doc.put("header", decoded.header());
    doc.put("claims", decoded.claims());
    if (!output.isText()) {
      Render.document(output, doc, env.out());
      return ExitCodes.OK;
    }
    print(token, decoded, match, env.out());
    return ExitCodes.OK;
  }

  /** Whether the Secret holds its ApiToken's current token, by the hash in its status. */
  private String currentTokenCheck(TokenInput token) {
    try {
      ApiTokenView owner =
          new ApiTokenView(cluster().apiToken(token.secretNamespace, token.ownerName));
      String hash = owner.status("tokenHash");
      if (hash == null) {
        return "unknown (no status.tokenHash)";
      }
      return hash.equals(token.fingerprint()) ? "yes" : "no (status.tokenHash differs)";
    } catch (CliException e) {
      return "unknown (" + e.getMessage().lines().findFirst().orElse("") + ")";
    }
  }

  private void print(TokenInput token, Decoded decoded, String match, PrintStream out) {
    Instant now = now();
    line(out, "Source", token.source);
    line(out, "Fingerprint", "sha256:" + token.fingerprint());
    if (token.ownerName != null) {
      line(out, "ApiToken", token.secretNamespace + "/" + token.ownerName);
      line(out, "Current token", match);
    }
    JsonNode h = decoded.header();
    line(
        out,
        "Header",
        "alg "
            + ApiTokenView.text(h, "alg")
            + ", typ "
            + ApiTokenView.text(h, "typ")
            + ", kid "
            + ApiTokenView.text(h, "kid"));
    JsonNode c = decoded.claims();
    line(out, "Issuer", ApiTokenView.text(c, "iss"));
    line(out, "Subject", ApiTokenView.text(c, "sub"));
    JsonNode aud = c.path("aud");
    if (aud.isArray()) {
      StringBuilder list = new StringBuilder();
      aud.forEach(a -> list.append(list.length() == 0 ? "" : ", ").append(a.asText()));
      line(out, "Audience", list.toString());
    } else {
      line(out, "Audience", ApiTokenView.text(c, "aud"));
    }
    line(out, "Scopes", ApiTokenView.text(c, "scope"));
    line(out, "Issued at", epoch(c.path("iat"), now));
    line(out, "Not before", epoch(c.path("nbf"), now));
    line(out, "Expires", epoch(c.path("exp"), now));
    line(out, "JTI", ApiTokenView.text(c, "jti"));
    JsonNode statusList = c.path("status").path("status_list");
    if (statusList.isObject()) {
      line(
          out,
          "Status list",
          "idx "
              + ApiTokenView.text(statusList, "idx")
              + " in "
              + ApiTokenView.text(statusList, "uri"));
    }
    Iterator<String> names = c.fieldNames();
    StringBuilder other = new StringBuilder();
    while (names.hasNext()) {
      String n = names.next();
      if (!java.util.Set.of("iss", "sub", "aud", "scope", "iat", "nbf", "exp", "jti", "status")
          .contains(n)) {
        other.append(other.length() == 0 ? "" : ", ").append(n);
      }
    }
    if (other.length() > 0) {
      line(out, "Other claims", other + " (see -o json)");
    }
  }

  private static String epoch(JsonNode seconds, Instant now) {
    if (!seconds.canConvertToLong()) {
      return null;
    }
    Instant at = Instant.ofEpochSecond(seconds.asLong());
    return Render.time(at.toString(), now);
  }

  private static void line(PrintStream out, String label, String value) {
    if (value != null) {
      out.printf("%-15s%s%n", label + ":", Render.cell(value));
    }
  }

  record Decoded(ObjectNode header, ObjectNode claims) {}

  /** Header and claims of a compact JWS; no message repeats any part of the input. */
  static Decoded decode(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw CliException.error("not a JWT (expected three dot-separated parts)");
    }
    return new Decoded(part(parts[0], "header"), part(parts[1], "claims"));
  }

  private static ObjectNode part(String encoded, String what) {
    try {
      byte[] json = Base64.getUrlDecoder().decode(encoded);
      JsonNode node = Cluster.JSON.readTree(new String(json, StandardCharsets.UTF_8));
      if (node instanceof ObjectNode object) {
        return object;
      }
    } catch (IllegalArgumentException | IOException e) {
      // fall through: the message must not quote the input
    }
    throw CliException.error("not a JWT (the " + what + " is not base64url JSON)");
  }
}
