package dev.apitoken.kubectl;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rotate NAME --revoke-previous [--grace 10m]}. */
@Command(
    name = "rotate",
    mixinStandardHelpOptions = true,
    description = {
      "Issue a fresh token and revoke every token of this ApiToken issued before now, keeping"
          + " the ApiToken: sets spec.revokeIssuedBefore to now (and"
          + " spec.revokeIssuedBeforeGracePeriod with --grace, so consumers pick up the new"
          + " Secret before the old tokens stop working). For a leaked token."
    },
    footer = {"", "Exit codes: 0 requested, 1 error (e.g. revoked), 2 usage, 3 not found."})
final class RotateCommand extends RequestCommand {
  @Parameters(paramLabel = "NAME", description = "The ApiToken.")
  String name;

  @Option(
      names = "--revoke-previous",
      required = true,
      description = "Revoke the tokens issued before now (required; 'renew' reissues without).")
  boolean revokePrevious;

  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      description =
          "Revoke the old tokens only this long after the new one is written, e.g. 10m"
              + " (default: at once).")
  String grace;

  RotateCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() {
    String gracePeriod = grace == null ? null : parseDuration("--grace", grace);
    Cluster cluster = cluster();
    String ns = cluster.namespace();
    if (isRevoked(cluster.apiToken(ns, name))) {
      throw CliException.error(
          "ApiToken " + ns + "/" + name + " is revoked: all its tokens are revoked already");
    }
    String at = nowText();
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("revokeIssuedBefore", at);
    // null removes an earlier grace period: this request's grace is exactly what was asked.
    spec.put("revokeIssuedBeforeGracePeriod", gracePeriod);
    return send(
        ns,
        name,
        Map.of("spec", spec),
        "apitoken "
            + ns
            + "/"
            + name
            + ": rotation requested; tokens issued before "
            + at
            + (gracePeriod == null
                ? " are revoked once the new one is written"
                : " are revoked " + gracePeriod + " after the new one is written")
            + "; follow with 'kubectl apitoken status "
            + name
            + " -n "
            + ns
            + "' (PreviousTokensRevoked)");
  }
}
