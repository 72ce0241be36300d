package dev.apitoken.verifier;

/**
 * Receives every verdict of a {@link TokenVerifier}, accepted or rejected, for usage auditing and
 * metrics. The verdict carries the jti, subject, kid and reason, never the token.
 *
 * <p>Called on the verifying thread, after the verdict is final: keep it fast. An exception it
 * throws is logged and otherwise ignored; it never changes the verdict.
 */
@FunctionalInterface
public interface VerdictListener {
  void onVerdict(Verdict verdict);
}
