package dev.apitoken.gateway;

/** A policy file that cannot be used; the message says where and why, and is safe to log. */
public final class PolicyException extends Exception {
  public PolicyException(String message) {
    super(message);
  }

  public PolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
