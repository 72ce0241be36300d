package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.token.IssueReason;
import dev.apitoken.operator.token.ReissueRequest;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The reissues a person asked for: the annotation {@value #RENEW_ANNOTATION} ({@code kubectl
 * apitoken renew}) and spec.revokeIssuedBefore. A renew request is carried out once: status records
 * the annotation's text when the Secret holds a token issued after it.
 */
final class ReissueRequests {
  static final String RENEW_ANNOTATION = "apitoken.dev/renew-requested-at";

  private ReissueRequests() {}

  /** The renew annotation's text when status does not show it carried out yet. */
  static Optional<String> pendingRenew(ApiToken apiToken) {
    Map<String, String> annotations = apiToken.getMetadata().getAnnotations();
    String requested = annotations == null ? null : annotations.get(RENEW_ANNOTATION);
    if (requested == null) {
      return Optional.empty();
    }
    String done = apiToken.getStatus() == null ? null : apiToken.getStatus().getLastRenewRequest();
    return requested.equals(done) ? Optional.empty() : Optional.of(requested);
  }

  /**
   * What the token in the Secret must be newer than, if anything. A renew request from a clock
   * ahead of ours still renews once, now; spec.revokeIssuedBefore in the future waits for its time.
   */
  static Optional<ReissueRequest> of(ApiToken apiToken, Instant now) {
    Optional<ReissueRequest> renew =
        pendingRenew(apiToken)
            .flatMap(
                text ->
                    SpecResolver.instant(text)
                        .map(
                            at ->
                                new ReissueRequest(
                                    IssueReason.RENEW_REQUESTED,
                                    ReissueRequest.wholeSecondAtOrAfter(at),
                                    "a new token was requested at " + text)));
    Optional<ReissueRequest> revokeBefore =
        PreviousTokens.revokeIssuedBeforePending(apiToken)
            ? PreviousTokens.revokeIssuedBefore(apiToken.getSpec())
                .map(ReissueRequest::wholeSecondAtOrAfter)
                .filter(before -> !before.isAfter(now))
                .map(
                    before ->
                        new ReissueRequest(
                            IssueReason.REVOKE_ISSUED_BEFORE,
                            before,
                            "spec.revokeIssuedBefore is "
                                + apiToken.getSpec().getRevokeIssuedBefore()))
            : Optional.empty();
    return Stream.of(revokeBefore, renew)
        .flatMap(Optional::stream)
        .max(Comparator.comparing(ReissueRequest::before));
  }
}
