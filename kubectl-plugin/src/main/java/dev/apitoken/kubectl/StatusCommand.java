package dev.apitoken.kubectl;

import dev.apitoken.kubectl.ApiTokenView.Condition;
import dev.apitoken.kubectl.ApiTokenView.Consumer;
import dev.apitoken.kubectl.ApiTokenView.Token;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code status [NAME|-A]}. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show an ApiToken's tokens (jti, index, expiry), the signing key, revocation and"
          + " publication state, pending requests, consumers and conditions; without NAME a"
          + " table of the namespace's ApiTokens (every namespace with -A).",
      "The published state of each token is read from the trust ConfigMap copy in its"
          + " namespace (else the operator namespace's)."
    },
    footer = {
      "",
      "Exit codes: 0 ok (a listing always), 1 error, 2 usage, 3 not found,",
      "4 NAME is not Ready (Ready condition not True)."
    })
final class StatusCommand extends NamespacedCommand {
  static final List<String> KSTATUS =
      List.of("Ready", "Reconciling", "Stalled", "Revoked", "RevocationPublished");

  @Parameters(arity = "0..1", paramLabel = "NAME", description = "The ApiToken.")
  String name;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "List the ApiTokens of every namespace.")
  boolean allNamespaces;

  @Mixin OutputOptions output = new OutputOptions();

  StatusCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() {
    if (name != null && allNamespaces) {
      throw CliException.usage("give NAME or -A, not both");
    }
    Cluster cluster = cluster();
    PublishedTrust trust = new PublishedTrust(cluster);
    if (name == null) {
      List<ApiTokenView> tokens =
          cluster.apiTokens(allNamespaces ? null : cluster.namespace()).stream()
              .map(ApiTokenView::new)
              .sorted(
                  Comparator.comparing(ApiTokenView::namespace).thenComparing(ApiTokenView::name))
              .toList();
      list(tokens, trust);
      return ExitCodes.OK;
    }
    ApiTokenView token = new ApiTokenView(cluster.apiToken(cluster.namespace(), name));
    Map<String, Object> doc = describe(token, trust, now());
    if (output.format() == OutputOptions.Format.NAME) {
      env.out().println(ApiTokenView.RESOURCE + "/" + token.name());
    } else if (output.isText()) {
      printDescription(token, doc, env.out());
    } else {
      Render.document(output, doc, env.out());
    }
    return "True".equals(token.conditionStatus("Ready")) ? ExitCodes.OK : ExitCodes.NOT_READY;
  }

  private void list(List<ApiTokenView> tokens, PublishedTrust trust) {
    if (output.format() == OutputOptions.Format.NAME) {
      tokens.forEach(t -> env.out().println(ApiTokenView.RESOURCE + "/" + t.name()));
      return;
    }
    if (!output.isText()) {
      List<Object> items = new ArrayList<>();
      tokens.forEach(t -> items.add(describe(t, trust, now())));
      Render.document(output, Map.of("items", items), env.out());
      return;
    }
    if (tokens.isEmpty()) {
      env.err()
          .println(
              allNamespaces
                  ? "No ApiTokens found."
                  : "No ApiTokens found in namespace " + cluster().namespace() + ".");
      return;
    }
    List<String> headers = new ArrayList<>();
    if (allNamespaces) {
      headers.add("NAMESPACE");
    }
    headers.addAll(
        List.of(
            "NAME",
            "READY",
            "RECONCILING",
            "STALLED",
            "REVOKED",
            "INDEX",
            "KID",
            "EXPIRES",
            "TOKENS",
            "CONSUMERS"));
    boolean wide = output.format() == OutputOptions.Format.WIDE;
    if (wide) {
      headers.addAll(List.of("SUBJECT", "SECRET", "JTI", "REASON", "MESSAGE"));
    }
    List<List<String>> rows = new ArrayList<>();
    for (ApiTokenView t : tokens) {
      List<String> row = new ArrayList<>();
      if (allNamespaces) {
        row.add(t.namespace());
      }
      row.add(t.name());
      row.add(t.conditionStatus("Ready"));
      row.add(t.conditionStatus("Reconciling"));
      row.add(t.conditionStatus("Stalled"));
      row.add(t.conditionStatus("Revoked"));
      row.add(t.currentIndex() == null ? null : t.currentIndex().toString());
      row.add(t.status("keyId"));
      String expires = t.status("expiresAt");
      row.add(
          expires == null
              ? null
              : Render.relative(Instant.parse(expires), now()).replace(' ', '-'));
      row.add(Integer.toString(t.tokens().size()));
      row.add(
          String.join(
              ",",
              t.consumers().stream().map(c -> c.kind().toLowerCase() + "/" + c.name()).toList()));
      if (wide) {
        // Why it is (not) Ready: the condition a user would look up next.
        Condition ready = t.condition("Ready").orElse(null);
        row.add(t.spec("subject"));
        row.add(t.secretName());
        row.add(t.status("jti"));
        row.add(ready == null ? null : ready.reason());
        row.add(ready == null ? null : ready.message());
      }
      rows.add(row);
    }
    Render.table(headers, rows, env.out());
  }

  /** The status document: what -o json|yaml prints and the description is made of. */
  static Map<String, Object> describe(ApiTokenView t, PublishedTrust trust, Instant now) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("namespace", t.namespace());
    doc.put("name", t.name());
    put(doc, "subject", t.spec("subject"));
    for (String type : KSTATUS) {
      t.condition(type).ifPresent(c -> doc.put(lowerFirst(type), c.status()));
    }
    doc.put("secretName", t.secretName());
    Map<String, Object> current = new LinkedHashMap<>();
    put(current, "jti", t.status("jti"));
    if (t.currentIndex() != null) {
      current.put("index", t.currentIndex());
    }
    put(current, "keyId", t.status("keyId"));
    put(current, "issuedAt", t.status("issuedAt"));
    put(current, "expiresAt", t.status("expiresAt"));
    put(current, "renewalTime", t.status("renewalTime"));
    if (!current.isEmpty()) {
      doc.put("current", current);
    }
    Map<String, Object> requests = new LinkedHashMap<>();
    put(requests, "renewRequestedAt", t.annotation(ApiTokenView.RENEW_REQUESTED_AT));
    put(requests, "lastRenewRequest", t.status("lastRenewRequest"));
    put(requests, "revokeIssuedBefore", t.spec("revokeIssuedBefore"));
    put(requests, "revokeIssuedBeforeGracePeriod", t.spec("revokeIssuedBeforeGracePeriod"));
    put(requests, "revokedIssuedBefore", t.status("revokedIssuedBefore"));
    put(requests, "previousTokenGracePeriod", t.spec("rotation", "previousTokenGracePeriod"));
    if (t.revokedInSpec()) {
      requests.put("revoked", true);
    }
    put(requests, "revokeAt", t.spec("revokeAt"));
    put(requests, "revocationReason", t.spec("revocationReason"));
    if (!requests.isEmpty()) {
      doc.put("requests", requests);
    }
    put(doc, "revokedAt", t.status("revokedAt"));
    put(doc, "revocationReason", t.status("revocationReason"));
    List<Object> tokens = new ArrayList<>();
    for (Token token : t.tokens()) {
      Map<String, Object> row = new LinkedHashMap<>();
      put(row, "jti", token.jti());
      if (token.index() != null) {
        row.put("index", token.index());
      }
      put(row, "expiresAt", token.expiresAt());
      row.put("current", token.jti() != null && token.jti().equals(t.status("jti")));
      if (token.index() != null) {
        row.put("published", trust.tokenState(t.namespace(), token.index()));
      }
      tokens.add(row);
    }
    doc.put("tokens", tokens);
    List<Object> consumers = new ArrayList<>();
    for (Consumer c : t.consumers()) {
      Map<String, Object> row = new LinkedHashMap<>();
      put(row, "kind", c.kind());
      put(row, "name", c.name());
      put(row, "via", c.via());
      consumers.add(row);
    }
    doc.put("consumers", consumers);
    List<Object> conditions = new ArrayList<>();
    for (Condition c : t.conditions()) {
      Map<String, Object> row = new LinkedHashMap<>();
      put(row, "type", c.type());
      put(row, "status", c.status());
      put(row, "reason", c.reason());
      put(row, "message", c.message());
      put(row, "lastTransitionTime", c.lastTransitionTime());
      conditions.add(row);
    }
    doc.put("conditions", conditions);
    return doc;
  }

  @SuppressWarnings("unchecked")
  private void printDescription(ApiTokenView t, Map<String, Object> doc, PrintStream out) {
    Instant now = now();
    line(out, "ApiToken", t.qualifiedName());
    line(out, "Subject", t.spec("subject"));
    for (String type : KSTATUS) {
      t.condition(type)
          .ifPresent(
              c ->
                  line(
                      out,
                      type,
                      c.status()
                          + (c.reason() == null ? "" : "  " + c.reason())
                          + (c.message() == null ? "" : "  " + c.message())));
    }
    line(out, "Secret", t.secretName());
    Map<String, Object> current = (Map<String, Object>) doc.get("current");
    if (current != null) {
      out.println("Current token:");
      line(out, "  JTI", (String) current.get("jti"));
      line(out, "  Index", current.get("index") == null ? null : current.get("index").toString());
      line(out, "  Key (kid)", (String) current.get("keyId"));
      line(out, "  Issued", Render.time((String) current.get("issuedAt"), now));
      line(out, "  Expires", Render.time((String) current.get("expiresAt"), now));
      line(out, "  Renewal", Render.time((String) current.get("renewalTime"), now));
    }
    printRequests(t, out, now);
    if (t.status("revokedAt") != null) {
      line(
          out,
          "Revoked at",
          Render.time(t.status("revokedAt"), now)
              + (t.status("revocationReason") == null
                  ? ""
                  : "  reason: " + t.status("revocationReason")));
    }
    out.println("Tokens:");
    List<List<String>> rows = new ArrayList<>();
    for (Object o : (List<Object>) doc.get("tokens")) {
      Map<String, Object> row = (Map<String, Object>) o;
      rows.add(
          List.of(
              String.valueOf(row.get("jti")),
              String.valueOf(row.get("index")),
              Render.time((String) row.get("expiresAt"), now),
              Boolean.TRUE.equals(row.get("current")) ? "yes" : "no",
              String.valueOf(row.get("published"))));
    }
    indented(out, List.of("JTI", "INDEX", "EXPIRES", "CURRENT", "PUBLISHED"), rows, "(none)");
    out.println("Consumers:");
    List<List<String>> consumerRows = new ArrayList<>();
    t.consumers().forEach(c -> consumerRows.add(List.of(c.kind(), c.name(), c.via())));
    indented(out, List.of("KIND", "NAME", "VIA"), consumerRows, "(none found)");
    out.println("Conditions:");
    List<List<String>> conditionRows = new ArrayList<>();
    for (Condition c : t.conditions()) {
      conditionRows.add(
          List.of(
              c.type(),
              c.status(),
              c.reason() == null ? "-" : c.reason(),
              c.lastTransitionTime() == null
                  ? "-"
                  : Render.relative(Instant.parse(c.lastTransitionTime()), now),
              c.message() == null ? "-" : c.message()));
    }
    indented(out, List.of("TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"), conditionRows, "(none)");
  }

  private static void printRequests(ApiTokenView t, PrintStream out, Instant now) {
    List<String> lines = new ArrayList<>();
    String renew = t.annotation(ApiTokenView.RENEW_REQUESTED_AT);
    if (renew != null) {
      boolean done = renew.equals(t.status("lastRenewRequest"));
      lines.add(
          "renew requested "
              + Render.time(renew, now)
              + (done ? ": done (status.lastRenewRequest)" : ": pending"));
    }
    String before = t.spec("revokeIssuedBefore");
    if (before != null) {
      String grace = t.spec("revokeIssuedBeforeGracePeriod");
      boolean done = before.equals(t.status("revokedIssuedBefore"));
      String state =
          done
              ? "done"
              : t.condition("PreviousTokensRevoked")
                  .map(c -> c.reason() + (c.message() == null ? "" : " (" + c.message() + ")"))
                  .orElse("pending");
      lines.add(
          "revoke tokens issued before "
              + before
              + (grace == null ? "" : ", grace " + grace)
              + ": "
              + state);
    }
    String previousGrace = t.spec("rotation", "previousTokenGracePeriod");
    if (previousGrace != null) {
      lines.add("on renewal, revoke the previous token after " + previousGrace);
    }
    if (t.spec("revokeAt") != null && !t.revokedInSpec()) {
      lines.add("revoke at " + Render.time(t.spec("revokeAt"), now));
    }
    if (t.revokedInSpec() && t.status("revokedAt") == null) {
      lines.add("revoke now: pending");
    }
    if (lines.isEmpty()) {
      return;
    }
    out.println("Requests:");
    lines.forEach(l -> out.println("  " + Render.cell(l)));
  }

  private static void indented(
      PrintStream out, List<String> headers, List<List<String>> rows, String empty) {
    if (rows.isEmpty()) {
      out.println("  " + empty);
      return;
    }
    java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
    PrintStream table = new PrintStream(buffer, true, java.nio.charset.StandardCharsets.UTF_8);
    Render.table(headers, rows, table);
    buffer
        .toString(java.nio.charset.StandardCharsets.UTF_8)
        .lines()
        .forEach(l -> out.println("  " + l));
  }

  private static void line(PrintStream out, String label, String value) {
    if (value != null) {
      out.printf("%-22s%s%n", label + ":", Render.cell(value));
    }
  }

  static void put(Map<String, Object> doc, String key, String value) {
    if (value != null) {
      doc.put(key, value);
    }
  }

  private static String lowerFirst(String s) {
    return Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }
}
