package dev.apitoken.verifier;

/** Package-private counters of {@link TokenVerifier} for tests in other packages. */
public final class TokenVerifierAccess {
  private TokenVerifierAccess() {}

  /** Documents parsed from HTTP 200 answers: a 304 parses nothing. */
  public static long documentsParsed(TokenVerifier verifier) {
    return verifier.httpDocumentsParsed();
  }
}
