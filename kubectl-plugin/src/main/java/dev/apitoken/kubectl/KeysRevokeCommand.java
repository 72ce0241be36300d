package dev.apitoken.kubectl;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code keys revoke KID}: a key compromise. */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description = {
      "Revoke a compromised signing key: adds KID to the annotation apitoken.dev/revoke-kids of"
          + " the key-ring Secret. The operator publishes a new key before it signs with it,"
          + " removes KID from the published JWKS (every token it signed is rejected as soon as"
          + " verifiers see the new JWKS), reissues those tokens (rate-limited) and records"
          + " apitoken.dev/revoked-kids. Follow the progress with 'kubectl apitoken keys'.",
      "Needs get and patch on that Secret (cluster admins only)."
    },
    footer = {
      "",
      "Exit codes: 0 requested (or already revoked), 1 error (e.g. forbidden), 2 usage,",
      "3 no such key or no key-ring Secret."
    })
final class KeysRevokeCommand extends ClusterCommand {
  private static final int ATTEMPTS = 3;

  @Parameters(paramLabel = "KID", description = "The key id, as 'kubectl apitoken keys' lists it.")
  String kid;

  @Option(names = "--dry-run", description = "Print the change without writing it.")
  boolean dryRun;

  @Mixin OutputOptions output = new OutputOptions();

  KeysRevokeCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() {
    if (kid.isBlank() || kid.contains(",") || kid.contains("=") || kid.contains(" ")) {
      throw CliException.usage("KID must be one key id (no ',', '=' or spaces)");
    }
    Cluster cluster = cluster();
    String ns = cluster.operatorNamespace();
    String name = cluster.keyRingSecret();
    for (int attempt = 1; ; attempt++) {
      Secret secret =
          cluster
              .secret(ns, name)
              .orElseThrow(() -> CliException.notFound("no key-ring Secret " + ns + "/" + name));
      KeyRingView ring = KeyRingView.of(secret);
      if (ring.revokedAt.containsKey(kid)) {
        env.out()
            .println(
                "key "
                    + kid
                    + " is already revoked"
                    + (ring.revokedAt.get(kid) == null
                        ? ""
                        : " (at " + ring.revokedAt.get(kid) + ")"));
        return ExitCodes.OK;
      }
      boolean known =
          ring.keys.stream().anyMatch(k -> kid.equals(k.kid()))
              || new PublishedTrust(cluster).publishedKids(ns).orElse(Set.of()).contains(kid);
      if (!known) {
        throw CliException.notFound(
            "no key "
                + kid
                + " in the key ring or the published JWKS (see 'kubectl apitoken keys')");
      }
      Set<String> requested = new LinkedHashSet<>(ring.revocationRequested);
      requested.add(kid);
      Map<String, String> annotations =
          Map.of(KeyRingView.REVOKE_KIDS, String.join(",", requested));
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("secret", ns + "/" + name);
      doc.put("dryRun", dryRun);
      doc.put("annotations", annotations);
      if (dryRun) {
        if (output.format() == OutputOptions.Format.NAME) {
          env.out().println("secret/" + name);
        } else if (output.isText()) {
          env.out().println("# dry run: would annotate Secret " + ns + "/" + name + " with");
          Render.document(OutputOptions.Format.YAML, annotations, env.out());
        } else {
          Render.document(output, doc, env.out());
        }
        return ExitCodes.OK;
      }
      try {
        cluster.annotateSecret(ns, name, ring.resourceVersion, annotations);
      } catch (CliException e) {
        if (attempt < ATTEMPTS && e.getMessage().startsWith("conflict")) {
          continue; // the operator wrote the ring meanwhile: read it again
        }
        throw e;
      }
      if (output.format() == OutputOptions.Format.NAME) {
        env.out().println("secret/" + name);
      } else if (output.isText()) {
        env.out()
            .println(
                "key "
                    + kid
                    + ": revocation requested (annotation "
                    + KeyRingView.REVOKE_KIDS
                    + " on Secret "
                    + ns
                    + "/"
                    + name
                    + "). The operator publishes a new key, removes "
                    + kid
                    + " from the JWKS and reissues every token it signed; follow with"
                    + " 'kubectl apitoken keys'.");
      } else {
        Render.document(output, doc, env.out());
      }
      return ExitCodes.OK;
    }
  }
}
