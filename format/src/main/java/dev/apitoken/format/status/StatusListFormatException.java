package dev.apitoken.format.status;

/**
 * A status list or status list document that does not follow the format in docs/TRUST-FORMAT.md.
 */
public final class StatusListFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public StatusListFormatException(String message) {
    super(message);
  }

  public StatusListFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
