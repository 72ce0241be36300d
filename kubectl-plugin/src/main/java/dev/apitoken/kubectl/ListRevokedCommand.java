package dev.apitoken.kubectl;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code list-revoked [-A]}: revoked tokens, readable, also of deleted ApiTokens. */
@Command(
    name = "list-revoked",
    mixinStandardHelpOptions = true,
    description = {
      "List the revoked tokens that have not long expired: ApiToken, jti, index, revoked at,"
          + " expiry, reason. Read from the operator's issue records (ConfigMaps"
          + " <trust>-issued-<n> in the operator namespace) and the published status list, so"
          + " tokens of deleted ApiTokens are listed too. 'revoked at' and the reason come from"
          + " the ApiToken while it exists; for a deleted one they are not recorded ('-').",
      "Needs read access to ConfigMaps in the operator namespace."
    },
    footer = {"", "Exit codes: 0 ok, 1 error (e.g. forbidden), 2 usage."})
final class ListRevokedCommand extends NamespacedCommand {
  @Option(
      names = {"-A", "--all-namespaces"},
      description = "Tokens of every namespace (default: the namespace of -n / the context).")
  boolean allNamespaces;

  @Mixin OutputOptions output = new OutputOptions();

  ListRevokedCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() {
    Cluster cluster = cluster();
    String scope = allNamespaces ? null : cluster.namespace();
    PublishedTrust trust = new PublishedTrust(cluster);

    Map<Long, IssueRecordLine> records = new TreeMap<>();
    int[] skipped = {0};
    for (ConfigMap shard : issueRecordShards(cluster)) {
      try {
        for (IssueRecordLine r : IssueRecordLine.parseShard(shard.getData(), skipped)) {
          records.merge(r.index(), r, (a, b) -> a.revoked() ? a : b);
        }
      } catch (IllegalArgumentException e) {
        env.err()
            .println(
                "note: ConfigMap "
                    + cluster.operatorNamespace()
                    + "/"
                    + shard.getMetadata().getName()
                    + " is not an issue-record shard; skipped");
      }
    }
    if (skipped[0] > 0) {
      env.err().println("note: " + skipped[0] + " unreadable issue-record line(s) skipped");
    }

    Map<String, ApiTokenView> live = new HashMap<>();
    for (var node : cluster.apiTokens(scope)) {
      ApiTokenView view = new ApiTokenView(node);
      live.put(view.uid(), view);
    }

    List<Map<String, Object>> rows = new ArrayList<>();
    for (IssueRecordLine r : records.values()) {
      if (scope != null && !scope.equals(r.namespace())) {
        continue;
      }
      String published = trust.tokenState(r.namespace(), r.index());
      boolean inList = PublishedTrust.REVOKED.equals(published);
      if (!r.revoked() && !inList) {
        continue;
      }
      ApiTokenView owner = live.get(r.ownerUid());
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("namespace", r.namespace());
      row.put("apiToken", r.name());
      row.put("apiTokenExists", owner != null);
      row.put("jti", r.jti());
      row.put("index", r.index());
      StatusCommand.put(row, "revokedAt", owner == null ? null : revokedAt(owner));
      row.put("expiresAt", r.expiresAt().toString());
      StatusCommand.put(row, "reason", owner == null ? null : reason(owner));
      row.put("recorded", r.revoked());
      row.put("published", published);
      rows.add(row);
    }
    rows.sort(
        Comparator.comparing((Map<String, Object> m) -> (String) m.get("namespace"))
            .thenComparing(m -> (String) m.get("apiToken"))
            .thenComparing(m -> (Long) m.get("index")));

    if (output.format() == OutputOptions.Format.NAME) {
      rows.forEach(r -> env.out().println(r.get("jti")));
      return ExitCodes.OK;
    }
    if (!output.isText()) {
      Render.document(output, Map.of("items", rows), env.out());
      return ExitCodes.OK;
    }
    if (rows.isEmpty()) {
      env.err()
          .println(
              allNamespaces
                  ? "No revoked tokens."
                  : "No revoked tokens in namespace " + cluster.namespace() + ".");
      return ExitCodes.OK;
    }
    Instant now = now();
    List<List<String>> table = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      String name = row.get("namespace") + "/" + row.get("apiToken");
      table.add(
          List.of(
              Boolean.TRUE.equals(row.get("apiTokenExists")) ? name : name + " (deleted)",
              (String) row.get("jti"),
              row.get("index").toString(),
              row.get("revokedAt") == null ? "-" : (String) row.get("revokedAt"),
              Render.time((String) row.get("expiresAt"), now),
              row.get("reason") == null ? "-" : (String) row.get("reason"),
              (Boolean.TRUE.equals(row.get("recorded")) ? "recorded" : "not recorded")
                  + ", "
                  + row.get("published")));
    }
    Render.table(
        List.of("APITOKEN", "JTI", "INDEX", "REVOKED AT", "EXPIRES", "REASON", "STATE"),
        table,
        env.out());
    return ExitCodes.OK;
  }

  private static List<ConfigMap> issueRecordShards(Cluster cluster) {
    String prefix = cluster.trustConfigMap() + "-issued-";
    return cluster
        .configMaps(
            cluster.operatorNamespace(),
            Map.of(
                "app.kubernetes.io/managed-by", "apitoken-operator",
                "app.kubernetes.io/component", "issue-records"))
        .stream()
        .filter(m -> m.getMetadata().getName().startsWith(prefix))
        .toList();
  }

  /** When the owner's tokens were revoked: the whole ApiToken, or its previous tokens. */
  private static String revokedAt(ApiTokenView owner) {
    if (owner.status("revokedAt") != null) {
      return owner.status("revokedAt");
    }
    return owner
        .condition("PreviousTokensRevoked")
        .filter(c -> "True".equals(c.status()))
        .map(ApiTokenView.Condition::lastTransitionTime)
        .orElse(null);
  }

  private static String reason(ApiTokenView owner) {
    if (owner.status("revocationReason") != null) {
      return owner.status("revocationReason");
    }
    if (owner.spec("revocationReason") != null) {
      return owner.spec("revocationReason");
    }
    return owner.spec("revokeIssuedBefore") != null
        ? "issued before " + owner.spec("revokeIssuedBefore") + " (rotate)"
        : null;
  }
}
