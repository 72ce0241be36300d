package dev.apitoken.format.status;

/** A Status List Token that is refused, and why. Its message never quotes the token. */
public final class StatusListTokenException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Why a Status List Token was refused. */
  public enum Problem {
    /** Not a compact JWS of the contract's shape: parts, JSON, members, sizes, bits or lst. */
    MALFORMED,
    /** The header's {@code typ} is not {@code statuslist+jwt}. */
    WRONG_TYPE,
    /** The header's {@code kid} names no trusted key (the JWKS may have rotated since). */
    UNKNOWN_KEY,
    /** The signature does not verify, or {@code alg} is not the key's algorithm. */
    BAD_SIGNATURE
  }

  private final Problem problem;

  public StatusListTokenException(Problem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public StatusListTokenException(Problem problem, String message, Throwable cause) {
    super(message, cause);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
