package dev.apitoken.operator.token;

/**
 * The stored key ring JSON is unusable. The message says what is wrong and which key (by kid or
 * position), and never contains key material.
 */
public final class InvalidKeyRingException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public InvalidKeyRingException(String message) {
    super(message);
  }
}
