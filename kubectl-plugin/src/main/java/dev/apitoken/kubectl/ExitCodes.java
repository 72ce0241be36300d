package dev.apitoken.kubectl;

/** The exit codes every subcommand keeps, so scripts can rely on them (docs/KUBECTL-PLUGIN.md, "Exit codes"). */
public final class ExitCodes {
  private ExitCodes() {}

  /** The command did what was asked (a request was written, a listing printed, a token valid). */
  public static final int OK = 0;

  /** An error: the API refused (403, 409 after retries), the cluster is unreachable, bad data. */
  public static final int ERROR = 1;

  /** The command line is wrong: unknown option, missing argument, malformed time or duration. */
  public static final int USAGE = 2;

  /** The named ApiToken, Secret, key or trust ConfigMap does not exist. */
  public static final int NOT_FOUND = 3;

  /**
   * The check failed: {@code status NAME} of an ApiToken that is not Ready, {@code verify} of a
   * token the verifier rejects.
   */
  public static final int NOT_READY = 4;
}
