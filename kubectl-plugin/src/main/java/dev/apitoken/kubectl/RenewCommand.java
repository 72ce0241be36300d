package dev.apitoken.kubectl;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code renew NAME}: the operator reissues the token once, and records that it did. */
@Command(
    name = "renew",
    mixinStandardHelpOptions = true,
    description = {
      "Request a reissue now: sets the annotation apitoken.dev/renew-requested-at to the"
          + " current time. The operator issues a new token once (reason RenewRequested, Event"
          + " Renewed) and records status.lastRenewRequest; the previous token stays valid until"
          + " its expiry (use 'rotate --revoke-previous' to revoke it)."
    },
    footer = {"", "Exit codes: 0 requested, 1 error (e.g. revoked), 2 usage, 3 not found."})
final class RenewCommand extends RequestCommand {
  @Parameters(paramLabel = "NAME", description = "The ApiToken.")
  String name;

  RenewCommand(Env env) {
    super(env);
  }

  @Override
  public Integer call() {
    Cluster cluster = cluster();
    String ns = cluster.namespace();
    if (isRevoked(cluster.apiToken(ns, name))) {
      throw CliException.error(
          "ApiToken " + ns + "/" + name + " is revoked: a revoked ApiToken is never reissued");
    }
    String at = nowText();
    Map<String, Object> patch =
        Map.of("metadata", Map.of("annotations", Map.of(ApiTokenView.RENEW_REQUESTED_AT, at)));
    return send(
        ns,
        name,
        patch,
        "apitoken "
            + ns
            + "/"
            + name
            + ": renewal requested at "
            + at
            + "; follow with 'kubectl apitoken status "
            + name
            + " -n "
            + ns
            + "'");
  }
}
