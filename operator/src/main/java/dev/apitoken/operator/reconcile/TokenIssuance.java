package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.token.DesiredToken;
import dev.apitoken.operator.token.IssuanceBudget;
import dev.apitoken.operator.token.IssueDecision;
import dev.apitoken.operator.token.IssuedRecord;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.ObservedToken;
import dev.apitoken.operator.token.ReissuePolicy;
import dev.apitoken.operator.token.SignedToken;
import dev.apitoken.operator.token.TokenClaims;
import dev.apitoken.operator.token.TokenIssuer;
import dev.apitoken.operator.token.TokenReader;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Makes the Secret hold a current token: observes what is there, asks {@link ReissuePolicy} whether
 * a new token is needed, signs one only then, and records the outcome in status.
 */
final class TokenIssuance {
  static final String REASON_SECRET_CONFLICT = "SecretConflict";

  private final TokenSecretDependent secret;
  private final TokenIssuer issuer;
  private final Supplier<KeyRing> keyRing;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final IssuanceBudget budget;

  TokenIssuance(
      TokenSecretDependent secret,
      TokenIssuer issuer,
      Supplier<KeyRing> keyRing,
      EventRecorder events,
      OperatorMetrics metrics,
      IssuanceBudget budget) {
    this.secret = secret;
    this.issuer = issuer;
    this.keyRing = keyRing;
    this.events = events;
    this.metrics = metrics;
    this.budget = budget;
  }

  /** The key an ApiToken's issues are counted under in the {@link IssuanceBudget}. */
  static String budgetKey(ApiToken apiToken) {
    return apiToken.getMetadata().getNamespace() + "/" + apiToken.getMetadata().getName();
  }

  /**
   * @return false when the Secret name is taken by a Secret this operator does not manage, or when
   *     a token is due but the ApiToken's issuance budget is spent
   */
  boolean ensureToken(
      ApiToken apiToken,
      Context<ApiToken> context,
      DesiredToken desired,
      StatusAggregator status,
      Instant now) {
    Optional<Secret> actual = secret.getSecondaryResource(apiToken, context);
    Optional<String> value = actual.flatMap(TokenSecretDependent::tokenValue);
    Optional<SignedToken> inSecret =
        value.flatMap(v -> TokenReader.verifiedToken(v, keyRing.get()));
    Optional<TokenClaims> verified = inSecret.map(SignedToken::claims);
    IssuedRecord lastIssued = lastIssued(apiToken.getStatus(), value, verified, desired.subject());
    verified
        .filter(claims -> claims.subject().equals(desired.subject()))
        .ifPresent(status::outstanding);

    IssueDecision decision =
        ReissuePolicy.evaluate(
            desired,
            lastIssued,
            new ObservedToken(
                actual.isPresent(), value.map(SignedToken::sha256Of).orElse(null), verified),
            now);
    if (actual.isEmpty() && stillConflicting(apiToken, context)) {
      return conflict(apiToken, status);
    }
    if (decision.requiresIssue()) {
      Optional<IssuanceBudget.Deferral> deferral = budget.deferral(budgetKey(apiToken));
      if (deferral.isPresent()) {
        return throttled(apiToken, status, decision, deferral.get());
      }
    }
    SignedToken token = decision.requiresIssue() ? issuer.issue(desired) : inSecret.orElseThrow();
    if (decision.requiresIssue()) {
      budget.recordIssue(budgetKey(apiToken));
    }
    new SecretPlan(token).attachTo(context);
    try {
      secret.reconcile(apiToken, context);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || actual.isPresent()) {
        throw e;
      }
      return conflict(apiToken, status);
    }

    Instant renewalTime = ReissuePolicy.renewalTime(token.claims(), desired.renewBefore());
    status.current(token, TokenSecretDependent.secretName(apiToken), renewalTime);
    status.ready(
        Conditions.TRUE,
        Conditions.REASON_ISSUED,
        "token "
            + token.claims().jti()
            + " is valid until "
            + token.claims().expiresAt()
            + "; it is renewed at "
            + renewalTime);
    if (decision.requiresIssue()) {
      announce(apiToken, decision, token);
    }
    return true;
  }

  private boolean throttled(
      ApiToken apiToken,
      StatusAggregator status,
      IssueDecision decision,
      IssuanceBudget.Deferral deferral) {
    String message =
        deferral.issuedInWindow()
            + " tokens were issued for this ApiToken within "
            + deferral.window().toMinutes()
            + " minutes, so the next is issued at "
            + deferral.until()
            + " (a new token is due: "
            + decision.message()
            + "); something may be replacing or refusing its tokens";
    boolean reported =
        apiToken.getStatus() != null
            && apiToken.getStatus().getConditions().stream()
                .anyMatch(c -> Conditions.REASON_ISSUANCE_THROTTLED.equals(c.getReason()));
    if (!reported) {
      events.record(apiToken, EventRecorder.WARNING, Conditions.REASON_ISSUANCE_THROTTLED, message);
      metrics.issuanceThrottled();
    }
    status.ready(Conditions.FALSE, Conditions.REASON_ISSUANCE_THROTTLED, message);
    return false;
  }

  /**
   * After a name clash, look before signing again: a foreign Secret is invisible to our
   * label-filtered informer, and each attempt would otherwise spend a token and an index.
   */
  private boolean stillConflicting(ApiToken apiToken, Context<ApiToken> context) {
    boolean conflictedBefore =
        apiToken.getStatus() != null
            && apiToken.getStatus().getConditions().stream()
                .anyMatch(
                    c ->
                        Conditions.READY.equals(c.getType())
                            && REASON_SECRET_CONFLICT.equals(c.getReason()));
    return conflictedBefore
        && context
                .getClient()
                .secrets()
                .inNamespace(apiToken.getMetadata().getNamespace())
                .withName(TokenSecretDependent.secretName(apiToken))
                .get()
            != null;
  }

  private boolean conflict(ApiToken apiToken, StatusAggregator status) {
    String message =
        "a Secret named "
            + TokenSecretDependent.secretName(apiToken)
            + " already exists and is not managed by this operator: set spec.secretName to"
            + " another name, or delete that Secret";
    boolean reported =
        apiToken.getStatus() != null
            && apiToken.getStatus().getConditions().stream()
                .anyMatch(c -> REASON_SECRET_CONFLICT.equals(c.getReason()));
    if (!reported) {
      events.record(apiToken, EventRecorder.WARNING, REASON_SECRET_CONFLICT, message);
    }
    status.ready(Conditions.FALSE, REASON_SECRET_CONFLICT, message);
    return false;
  }

  /**
   * What status says was issued last. A valid token of ours in the Secret that status does not know
   * means the status write after the Secret write was lost (for example a crash between the two):
   * that token is the current one, not a tampered one.
   */
  private static IssuedRecord lastIssued(
      ApiTokenStatus status,
      Optional<String> value,
      Optional<TokenClaims> verified,
      String subject) {
    if (verified.isPresent() && verified.get().subject().equals(subject)) {
      String jti = verified.get().jti();
      boolean known =
          status != null
              && status.getTokens().stream().map(IssuedToken::getJti).anyMatch(jti::equals);
      if (!known) {
        return new IssuedRecord(jti, SignedToken.sha256Of(value.get()), verified.get().expiresAt());
      }
    }
    if (status == null || status.getJti() == null || status.getTokenHash() == null) {
      return null;
    }
    return new IssuedRecord(
        status.getJti(), status.getTokenHash(), Instant.parse(status.getExpiresAt()));
  }

  private void announce(ApiToken apiToken, IssueDecision decision, SignedToken token) {
    boolean first = decision.reason().conditionReason().equals("FirstIssue");
    String action = first ? "Issued" : "Reissued";
    String message =
        action
            + " token "
            + token.claims().jti()
            + " (index "
            + token.claims().statusIndex()
            + ", expires "
            + token.claims().expiresAt()
            + ")"
            + (first ? "" : ": " + decision.message());
    events.record(apiToken, EventRecorder.NORMAL, action, message);
    metrics.tokenIssued(decision.reason().conditionReason());
    AuditLog.issued(
        first ? "issue" : "reissue",
        apiToken.getMetadata().getNamespace(),
        apiToken.getMetadata().getName(),
        token.claims(),
        token.kid(),
        decision.reason().conditionReason());
  }
}
