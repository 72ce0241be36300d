package dev.apitoken.operator.crd;

/**
 * One reason the API server would refuse an object: where ({@code $.spec.ttl}) and what to fix.
 * Shared by schema and CEL checks so a test can look for one fragment in either. {@code keyword} is
 * the schema keyword that failed ({@code pattern}, {@code required}, ...) or, for CEL, the rule's
 * reason.
 */
record Violation(String path, String message, Source source, String keyword) {
  enum Source {
    SCHEMA,
    CEL
  }

  @Override
  public String toString() {
    return path + ": " + message;
  }
}
