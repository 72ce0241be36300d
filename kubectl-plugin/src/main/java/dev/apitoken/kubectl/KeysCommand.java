package dev.apitoken.kubectl;

import io.fabric8.kubernetes.api.model.Secret;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code keys}: the signing key ring, never its private material. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = {
      "List the signing keys: kid, state, created, signs-from, retire-at, whether the JWKS"
          + " publishes it, and revocations (requested, done). Read from the annotations of the"
          + " key-ring Secret (never its data) and the jwks.json of the trust ConfigMap in the"
          + " operator namespace. Without read access to that Secret, only the published kids"
          + " are listed.",
      "'keys revoke KID' revokes a compromised key."
    },
    footer = {"", "Exit codes: 0 ok, 1 error (neither source readable), 2 usage."})
final class KeysCommand extends ClusterCommand {
  @Mixin OutputOptions output = new OutputOptions();

  KeysCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() {
    Cluster cluster = cluster();
    String ns = cluster.operatorNamespace();
    Optional<KeyRingView> ring = Optional.empty();
    String ringProblem = null;
    try {
      Optional<Secret> secret = cluster.secret(ns, cluster.keyRingSecret());
      if (secret.isPresent()) {
        ring = Optional.of(KeyRingView.of(secret.get()));
      } else {
        ringProblem = "no key-ring Secret " + ns + "/" + cluster.keyRingSecret();
      }
    } catch (CliException e) {
      ringProblem = e.getMessage().lines().findFirst().orElse("unreadable");
    }
    PublishedTrust trust = new PublishedTrust(cluster);
    Optional<Set<String>> published = trust.publishedKids(ns);
    if (ring.isEmpty() && published.isEmpty()) {
      throw CliException.error(
          "cannot list the keys: "
              + ringProblem
              + "; and no jwks.json in ConfigMap "
              + ns
              + "/"
              + cluster.trustConfigMap()
              + trust.problem(ns).map(p -> " (" + p + ")").orElse(""));
    }
    if (ringProblem != null) {
      env.err().println("note: " + ringProblem + "; showing the published keys only");
    }

    List<Map<String, Object>> rows = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    if (ring.isPresent()) {
      for (KeyRingView.Key k : ring.get().keys) {
        seen.add(k.kid());
        rows.add(
            row(k.kid(), k.state(), k.created(), k.signsFrom(), k.retireAt(), ring, published));
      }
      for (String kid : ring.get().revokedAt.keySet()) {
        if (seen.add(kid)) {
          rows.add(row(kid, "revoked", null, null, null, ring, published));
        }
      }
    }
    for (String kid : published.orElse(Set.of())) {
      if (seen.add(kid)) {
        rows.add(row(kid, null, null, null, null, ring, published));
      }
    }

    // Progress of a key revocation: ApiTokens whose current token the revoked key signed (the
    // operator reissues them, rate-limited). Counted only when a key is revoked or asked to be.
    Map<String, Long> stillSigned = new TreeMap<>();
    for (Map<String, Object> r : rows) {
      if (r.containsKey("revokedAt") || Boolean.TRUE.equals(r.get("revocationRequested"))) {
        stillSigned.put((String) r.get("kid"), 0L);
      }
    }
    String countProblem = null;
    if (!stillSigned.isEmpty()) {
      try {
        for (var node : cluster.apiTokens(null)) {
          String kid = new ApiTokenView(node).status("keyId");
          if (kid != null) {
            stillSigned.computeIfPresent(kid, (k, n) -> n + 1);
          }
        }
        for (Map<String, Object> r : rows) {
          Long n = stillSigned.get((String) r.get("kid"));
          if (n != null) {
            r.put("apiTokensStillSigned", n);
          }
        }
      } catch (CliException e) {
        countProblem = e.getMessage().lines().findFirst().orElse("forbidden");
      }
    }
    if (output.format() == OutputOptions.Format.NAME) {
      rows.forEach(r -> env.out().println(r.get("kid")));
      return ExitCodes.OK;
    }
    if (!output.isText()) {
      Render.document(output, Map.of("keys", rows), env.out());
      return ExitCodes.OK;
    }
    Instant now = now();
    List<List<String>> table = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      table.add(
          List.of(
              (String) r.get("kid"),
              String.valueOf(r.getOrDefault("state", "-")),
              Render.time((String) r.get("created"), now) == null
                  ? "-"
                  : Render.time((String) r.get("created"), now),
              orDash(Render.time((String) r.get("signsFrom"), now)),
              orDash(Render.time((String) r.get("retireAt"), now)),
              String.valueOf(r.get("published")),
              r.containsKey("revokedAt")
                  ? "revoked " + orDash((String) r.get("revokedAt"))
                  : Boolean.TRUE.equals(r.get("revocationRequested")) ? "requested" : "-"));
    }
    Render.table(
        List.of("KID", "STATE", "CREATED", "SIGNS-FROM", "RETIRE-AT", "PUBLISHED", "REVOCATION"),
        table,
        env.out());
    if (countProblem != null) {
      env.err().println("note: cannot count the ApiTokens still to reissue: " + countProblem);
    } else {
      stillSigned.forEach(
          (kid, n) ->
              env.out()
                  .println(
                      n == 0
                          ? "Key " + kid + ": no ApiToken holds a token it signed."
                          : "Key "
                              + kid
                              + ": "
                              + n
                              + " ApiToken(s) still hold a token it signed; the operator"
                              + " reissues them (rate-limited)."));
    }
    return ExitCodes.OK;
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  private static Map<String, Object> row(
      String kid,
      String state,
      String created,
      String signsFrom,
      String retireAt,
      Optional<KeyRingView> ring,
      Optional<Set<String>> published) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("kid", kid);
    StatusCommand.put(row, "state", state);
    StatusCommand.put(row, "created", created);
    StatusCommand.put(row, "signsFrom", signsFrom);
    StatusCommand.put(row, "retireAt", retireAt);
    row.put("published", published.map(p -> p.contains(kid) ? "yes" : "no").orElse("unknown"));
    if (ring.isPresent()) {
      row.put("revocationRequested", ring.get().revocationRequested.contains(kid));
      if (ring.get().revokedAt.containsKey(kid)) {
        row.put("revokedAt", ring.get().revokedAt.get(kid));
      }
    }
    return row;
  }
}
