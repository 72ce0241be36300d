package dev.apitoken.operator.token;

import java.util.Objects;

/**
 * The outcome of {@link ReissuePolicy#evaluate}.
 *
 * @param reason why; becomes the condition reason
 * @param message a sentence for the condition message; never contains a token
 */
public record IssueDecision(IssueReason reason, String message) {

  public IssueDecision {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  public boolean requiresIssue() {
    return reason.requiresIssue();
  }
}
