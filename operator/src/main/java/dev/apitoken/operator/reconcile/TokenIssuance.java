package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.denylist.IssueRecord;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.token.DesiredToken;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
  private final Revocations revocations;

  /** How long a reconcile waits for the issue record before failing and retrying later. */
  private static final long RECORD_WAIT_MILLIS = 5_000;

  TokenIssuance(
      TokenSecretDependent secret,
      TokenIssuer issuer,
      Supplier<KeyRing> keyRing,
      EventRecorder events,
      OperatorMetrics metrics,
      Revocations revocations) {
    this.revocations = revocations;
    this.secret = secret;
    this.issuer = issuer;
    this.keyRing = keyRing;
    this.events = events;
    this.metrics = metrics;
  }

  /**
   * @return false when the Secret name is taken by a Secret this operator does not manage
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
    SignedToken token = decision.requiresIssue() ? issuer.issue(desired) : inSecret.orElseThrow();
    recordBeforeRelease(apiToken, token);
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

  /**
   * Write-ahead: the token's issue record (index, expiry, owner uid) is stored before the token can
   * reach its Secret, so revoking the ApiToken finds it whatever happens to its status.
   */
  private void recordBeforeRelease(ApiToken apiToken, SignedToken token) {
    TokenClaims claims = token.claims();
    if (revocations.isRecorded(claims.statusIndex())) {
      return;
    }
    IssueRecord record =
        new IssueRecord(
            claims.statusIndex(),
            claims.expiresAt(),
            TokenRevocation.ownerUid(apiToken),
            apiToken.getMetadata().getNamespace(),
            apiToken.getMetadata().getName(),
            claims.jti(),
            false);
    try {
      revocations.recordIssued(record).get(RECORD_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IssueRecordPending("interrupted");
    } catch (ExecutionException | TimeoutException e) {
      throw new IssueRecordPending(
          revocations
              .failure(List.of(claims.statusIndex()))
              .map(ShardedStore.Failure::describe)
              .orElse("the write did not complete in time"));
    }
  }

  /** The issue record could not be stored: the token is not released; retried. */
  static final class IssueRecordPending extends IllegalStateException {
    IssueRecordPending(String why) {
      super("the issue record of the new token could not be stored: " + why);
    }
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
