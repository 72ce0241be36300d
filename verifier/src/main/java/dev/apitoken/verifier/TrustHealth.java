package dev.apitoken.verifier;

import java.util.List;
import java.util.Objects;

/**
 * Whether a verifier can give meaningful verdicts right now, for a readiness probe.
 *
 * @param ready false while keys are missing, or any followed status list is missing or stale (its
 *     tokens then fail closed with {@link Rejection#STATUS_LIST_MISSING} or {@link
 *     Rejection#STATUS_STALE})
 * @param problems one line per problem, safe to log; empty when ready
 * @param summary what is held: keys and lists, with their sources and times
 */
public record TrustHealth(boolean ready, List<String> problems, String summary) {
  public TrustHealth {
    problems = List.copyOf(problems);
    Objects.requireNonNull(summary, "summary");
  }

  /** One line for a probe's body. */
  public String message() {
    return ready ? "ready: " + summary : "not ready: " + String.join("; ", problems);
  }
}
