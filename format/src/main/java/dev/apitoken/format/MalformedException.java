package dev.apitoken.format;

/**
 * A token, a JWKS or a status list that breaks the format's rules. The message names the rule and
 * never quotes the input, which may be a credential or attacker-chosen text.
 */
public final class MalformedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MalformedException(String message) {
    // No stack trace: this is the expected path for every malformed input.
    super(message, null, false, false);
  }
}
