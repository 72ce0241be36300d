package dev.apitoken.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A subcommand that asks the operator for something by patching the ApiToken (a field or an
 * annotation it watches), so that the request is in the API's audit log and visible to GitOps.
 */
abstract class RequestCommand extends NamespacedCommand {
  /** The CRD's duration rule (Go-style hours, minutes, seconds): the operator accepts no other. */
  static final Pattern DURATION = Pattern.compile("^([0-9]+(h|m|s))+$");

  @Option(
      names = "--dry-run",
      description =
          "Print the change without writing it (for a GitOps repository: commit the same"
              + " fields instead).")
  boolean dryRun;

  @Mixin OutputOptions output = new OutputOptions();

  RequestCommand(Env env) {
    super(env);
  }

  /** Now, to the second, as the requests are written (RFC 3339, UTC). */
  protected String nowText() {
    return now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * Writes {@code patch} (a JSON merge patch) to the ApiToken, or only prints it with --dry-run.
   * Prints {@code done} (text) or the request document (-o json|yaml).
   */
  protected int send(String ns, String name, Map<String, Object> patch, String done) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", Cluster.GROUP + "/" + Cluster.VERSION);
    doc.put("kind", "ApiToken");
    doc.put("namespace", ns);
    doc.put("name", name);
    doc.put("dryRun", dryRun);
    doc.put("patch", patch);
    if (dryRun) {
      cluster().apiToken(ns, name);
      if (output.format() == OutputOptions.Format.NAME) {
        env.out().println(ApiTokenView.RESOURCE + "/" + name);
      } else if (output.isText()) {
        env.out().println("# dry run: would merge-patch ApiToken " + ns + "/" + name + " with");
        Render.document(OutputOptions.Format.YAML, patch, env.out());
      } else {
        Render.document(output, doc, env.out());
      }
      return ExitCodes.OK;
    }
    cluster().patchApiToken(ns, name, patch);
    if (output.format() == OutputOptions.Format.NAME) {
      env.out().println(ApiTokenView.RESOURCE + "/" + name);
    } else if (output.isText()) {
      env.out().println(done);
    } else {
      Render.document(output, doc, env.out());
    }
    return ExitCodes.OK;
  }

  static String parseTime(String option, String value) {
    try {
      return Instant.parse(value).toString();
    } catch (java.time.format.DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(value).toInstant().toString();
      } catch (java.time.format.DateTimeParseException e2) {
        throw CliException.usage(
            option + " takes an RFC 3339 time such as 2026-03-01T00:00:00Z, not '" + value + "'");
      }
    }
  }

  static String parseDuration(String option, String value) {
    if (!DURATION.matcher(value).matches()) {
      throw CliException.usage(
          option
              + " takes a duration in hours, minutes and seconds such as 10m or 1h30m, not '"
              + value
              + "'");
    }
    return value;
  }

  static boolean isRevoked(JsonNode token) {
    return new ApiTokenView(token).revokedInSpec()
        || new ApiTokenView(token).status("revokedAt") != null;
  }
}
