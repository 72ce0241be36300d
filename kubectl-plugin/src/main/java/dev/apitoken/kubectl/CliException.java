package dev.apitoken.kubectl;

/** Ends a command with a message for the user (on standard error) and an exit code. */
public final class CliException extends RuntimeException {
  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  public static CliException notFound(String message) {
    return new CliException(ExitCodes.NOT_FOUND, message);
  }

  public static CliException usage(String message) {
    return new CliException(ExitCodes.USAGE, message);
  }

  public static CliException error(String message) {
    return new CliException(ExitCodes.ERROR, message);
  }

  public int exitCode() {
    return exitCode;
  }
}
