package dev.apitoken.operator.token;

import java.time.Instant;
import java.util.Objects;

/**
 * A request to replace every token issued before {@code before}: a renew request, or
 * spec.revokeIssuedBefore. {@code before} is in whole seconds, rounded up, because token times are:
 * a token issued in the same second as a request made at .5 s is older than the request.
 */
public record ReissueRequest(IssueReason reason, Instant before, String description) {
  public ReissueRequest {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(description, "description");
  }

  /** {@code at} rounded up to the next whole second, unless it is one. */
  public static Instant wholeSecondAtOrAfter(Instant at) {
    return at.getNano() == 0 ? at : Instant.ofEpochSecond(at.getEpochSecond() + 1);
  }
}
