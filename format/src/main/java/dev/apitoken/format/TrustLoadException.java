package dev.apitoken.format;

/**
 * The trusted keys or the status list could not be read or are not in the format of
 * docs/TRUST-FORMAT.md.
 */
public final class TrustLoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrustLoadException(String message) {
    super(message);
  }

  public TrustLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
