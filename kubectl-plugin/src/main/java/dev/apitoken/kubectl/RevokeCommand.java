package dev.apitoken.kubectl;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code revoke NAME --reason R [--at TIME]}. */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description = {
      "Revoke every token of the ApiToken (spec.revoked: true) now, or at TIME (spec.revokeAt)."
          + " Final: a revoked ApiToken never issues again. The reason goes to"
          + " spec.revocationReason and the audit log."
    },
    footer = {"", "Exit codes: 0 requested (or already revoked), 1 error, 2 usage, 3 not found."})
final class RevokeCommand extends RequestCommand {
  @Parameters(paramLabel = "NAME", description = "The ApiToken.")
  String name;

  @Option(
      names = "--reason",
      required = true,
      paramLabel = "TEXT",
      description = "Why (e.g. 'leaked in CI logs'); at most 256 characters.")
  String reason;

  @Option(
      names = "--at",
      paramLabel = "TIME",
      description = "Revoke at this RFC 3339 time instead of now (e.g. 2026-03-01T00:00:00Z).")
  String at;

  RevokeCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() {
    if (reason.isBlank() || reason.length() > 256) {
      throw CliException.usage("--reason must be 1 to 256 characters");
    }
    String when = at == null ? null : parseTime("--at", at);
    Cluster cluster = cluster();
    String ns = cluster.namespace();
    ApiTokenView current = new ApiTokenView(cluster.apiToken(ns, name));
    if (current.revokedInSpec()) {
      env.out()
          .println(
              "apitoken "
                  + ns
                  + "/"
                  + name
                  + " is already revoked"
                  + (current.status("revokedAt") == null
                      ? " (being recorded)"
                      : " (at " + current.status("revokedAt") + ")"));
      return ExitCodes.OK;
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    if (when == null) {
      spec.put("revoked", true);
    } else {
      spec.put("revokeAt", when);
    }
    spec.put("revocationReason", reason);
    return send(
        ns,
        name,
        Map.of("spec", spec),
        "apitoken "
            + ns
            + "/"
            + name
            + (when == null ? ": revocation requested" : ": revocation scheduled at " + when)
            + "; follow with 'kubectl apitoken status "
            + name
            + " -n "
            + ns
            + "' (Revoked, RevocationPublished)");
  }
}
