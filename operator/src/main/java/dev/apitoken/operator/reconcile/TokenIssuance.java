package dev.apitoken.operator.reconcile;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.runtime.AuditAction;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.token.DesiredToken;
import dev.apitoken.operator.token.IssuanceBudget;
import dev.apitoken.operator.token.IssueDecision;
import dev.apitoken.operator.token.IssueReason;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.LastIssued;
import dev.apitoken.operator.token.ObservedToken;
import dev.apitoken.operator.token.ReissueBudget;
import dev.apitoken.operator.token.ReissuePolicy;
import dev.apitoken.operator.token.ReissueRequest;
import dev.apitoken.operator.token.SignedToken;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.operator.token.TokenIssuer;
import dev.apitoken.operator.token.TokenReader;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Makes the Secret hold a current token: observes what is there, asks {@link ReissuePolicy} whether
 * a new token is needed, signs one only then, records the token in status and returns the outcome;
 * {@link ConditionTable} turns that into conditions.
 */
final class TokenIssuance {

  /** How {@link #ensureToken} ended; the reconciler turns it into conditions and timing. */
  sealed interface Outcome {}

  /**
   * The Secret holds a current token, renewed at {@code renewalTime}; {@code issued} is the token
   * this call wrote to the Secret, null when it wrote none.
   */
  record Current(TokenClaims claims, Instant renewalTime, Issued issued) implements Outcome {}

  /** The Secret name is taken by a Secret this operator does not manage: a person must act. */
  record SecretConflict(String secretName) implements Outcome {
    String message() {
      return "a Secret named "
          + secretName
          + " already exists and is not managed by this operator: set spec.secretName to"
          + " another name, or delete that Secret";
    }
  }

  /** A token is due but waits; the ApiToken is looked at again after {@code retryAfter}. */
  sealed interface Waiting extends Outcome {
    Duration retryAfter();
  }

  /**
   * The Secret's token was signed by a key that is gone; the reissue waits for its turn in the
   * shared budget of {@code limit} such reissues per {@code interval}. {@code why}: the decision.
   */
  record SigningKeyGone(String why, int limit, Duration interval, Duration retryAfter)
      implements Waiting {
    String message() {
      return why
          + "; a new token is issued shortly (at most "
          + limit
          + " such reissues per "
          + interval.toSeconds()
          + "s)";
    }
  }

  /** A token is due ({@code why}), but signing key {@code kid} is not yet published everywhere. */
  record SigningKeyNotPublished(String why, String kid, Duration retryAfter) implements Waiting {
    String message() {
      return "a new token is due ("
          + why
          + "), but signing key "
          + kid
          + " is not yet in the trust ConfigMap of every target namespace; issuing resumes"
          + " once it is";
    }
  }

  /** A token is due ({@code why}), but this ApiToken had too many recently: a reissue loop. */
  record Throttled(String why, IssuanceBudget.Deferral deferral, Duration retryAfter)
      implements Waiting {
    String message() {
      return deferral.issuedInWindow()
          + " tokens were issued for this ApiToken within "
          + deferral.window().toMinutes()
          + " minutes, so the next is issued at "
          + deferral.until()
          + " (a new token is due: "
          + why
          + "); something may be replacing or refusing its tokens";
    }
  }

  /** A token newly written to the Secret, by reference; {@code first} for an ApiToken's first. */
  record Issued(TokenClaims claims, boolean first) {}

  /** Publishing wakes a waiting ApiToken; this is only in case that wake-up is lost. */
  private static final Duration KEY_PUBLICATION_FALLBACK = Duration.ofSeconds(30);

  private final TokenSecretDependent secret;
  private final TokenIssuer issuer;
  private final Supplier<KeyRing> keyRing;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Revocations revocations;

  /** How long a reconcile waits for the issue record before failing and retrying later. */
  private static final long RECORD_WAIT_MILLIS = 5_000;

  private final SigningKeyGate signingKeyGate;
  private final ReissueBudget keyLossReissues;

  private final IssuanceBudget budget;

  /** ApiTokens (budget keys) whose token a gone key signed, until their reissue. */
  private final java.util.Set<String> awaitingKeyLossReissue =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  TokenIssuance(
      TokenSecretDependent secret,
      TokenIssuer issuer,
      Supplier<KeyRing> keyRing,
      EventRecorder events,
      OperatorMetrics metrics,
      SigningKeyGate signingKeyGate,
      ReissueBudget keyLossReissues,
      Revocations revocations,
      IssuanceBudget budget) {
    this.revocations = revocations;
    this.secret = secret;
    this.issuer = issuer;
    this.keyRing = keyRing;
    this.events = events;
    this.metrics = metrics;
    this.signingKeyGate = signingKeyGate;
    this.keyLossReissues = keyLossReissues;
    this.budget = budget;
    metrics.keyRevocationPending(awaitingKeyLossReissue::size);
  }

  /** Stops counting a deleted ApiToken as waiting for its reissue. */
  void forget(ApiToken apiToken) {
    awaitingKeyLossReissue.remove(budgetKey(apiToken));
  }

  /** The key an ApiToken's issues are counted under in the {@link IssuanceBudget}. */
  static String budgetKey(ApiToken apiToken) {
    return apiToken.getMetadata().getNamespace() + "/" + apiToken.getMetadata().getName();
  }

  Outcome ensureToken(
      ApiToken apiToken,
      Context<ApiToken> context,
      DesiredToken desired,
      Optional<ReissueRequest> request,
      StatusAggregator status,
      Instant now) {
    Optional<Secret> actual = secret.getSecondaryResource(apiToken, context);
    Optional<String> value = actual.flatMap(TokenSecretDependent::tokenValue);
    KeyRing ring = keyRing.get();
    Optional<SignedToken> inSecret = value.flatMap(v -> TokenReader.verifiedToken(v, ring));
    Optional<TokenClaims> verified = inSecret.map(SignedToken::claims);
    LastIssued lastIssued = lastIssued(apiToken.getStatus(), value, verified, desired.subject());
    // Any valid token of ours in the Secret stays listed until it expires, whatever its subject:
    // after a subject change it is the previous token, and status is one more record of it.
    verified.ifPresent(status::outstanding);

    IssueDecision decision =
        ReissuePolicy.evaluate(
            desired,
            lastIssued,
            new ObservedToken(
                actual.isPresent(),
                value.map(SignedToken::sha256Of).orElse(null),
                verified,
                value.flatMap(v -> ObservedToken.goneKid(v, ring)),
                verified.map(c -> revocations.isRevoked(c.statusIndex())).orElse(false)),
            request,
            now);
    if (actual.isEmpty() && stillConflicting(apiToken, context)) {
      return conflict(apiToken);
    }
    if (decision.reason() == IssueReason.REVOKED_IN_STATE) {
      events.record(apiToken, EventRecorder.WARNING, decision.reason().label(), decision.message());
    }
    if (decision.reason() == IssueReason.SIGNING_KEY_GONE) {
      awaitingKeyLossReissue.add(budgetKey(apiToken));
      Optional<SigningKeyGone> turn = awaitReissueTurn(apiToken, decision, now);
      if (turn.isPresent()) {
        return turn.get();
      }
    }
    if (decision.requiresIssue()) {
      Optional<IssuanceBudget.Deferral> deferral = budget.deferral(budgetKey(apiToken));
      if (deferral.isPresent()) {
        return throttled(apiToken, decision, deferral.get(), now);
      }
    }
    SignedToken token;
    if (decision.requiresIssue()) {
      SigningKey key = issuer.signingKey();
      if (!signingKeyGate.maySign(key.kid(), apiToken)) {
        return new SigningKeyNotPublished(decision.message(), key.kid(), KEY_PUBLICATION_FALLBACK);
      }
      token = issuer.issue(desired, key);
      budget.recordIssue(budgetKey(apiToken));
    } else {
      token = inSecret.orElseThrow();
    }
    recordBeforeRelease(apiToken, token);
    new SecretPlan(token).attachTo(context);
    try {
      secret.reconcile(apiToken, context);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || actual.isPresent()) {
        throw e;
      }
      return conflict(apiToken);
    }

    Instant renewalTime = ReissuePolicy.renewalTime(token.claims(), desired.renewBefore());
    status.current(token, TokenSecretDependent.secretName(apiToken), renewalTime);
    Issued issued = null;
    if (decision.requiresIssue()) {
      announce(apiToken, decision, token);
      issued = new Issued(token.claims(), decision.reason() == IssueReason.FIRST_ISSUE);
    }
    awaitingKeyLossReissue.remove(budgetKey(apiToken));
    return new Current(token.claims(), renewalTime, issued);
  }

  /**
   * A token signed by a key that is gone: say so (condition and Warning Event) on first sight, then
   * reissue when the shared budget grants this ApiToken its turn. Empty when it may reissue now.
   */
  private Optional<SigningKeyGone> awaitReissueTurn(
      ApiToken apiToken, IssueDecision decision, Instant now) {
    if (!readyReasonIs(apiToken, Conditions.REASON_SIGNING_KEY_GONE)) {
      // First sight: the condition is written before the reissue, so every affected ApiToken
      // shows it, not only those that wait.
      SigningKeyGone gone = keyGone(decision, Duration.ZERO);
      events.record(
          apiToken, EventRecorder.WARNING, Conditions.REASON_SIGNING_KEY_GONE, gone.message());
      return Optional.of(gone);
    }
    ReissueBudget.Admission admission =
        keyLossReissues.admit(
            apiToken.getMetadata().getNamespace() + "/" + apiToken.getMetadata().getName());
    if (admission.granted()) {
      return Optional.empty();
    }
    return Optional.of(keyGone(decision, Duration.between(now, admission.retryAt())));
  }

  private SigningKeyGone keyGone(IssueDecision decision, Duration retryAfter) {
    return new SigningKeyGone(
        decision.message(), keyLossReissues.limit(), keyLossReissues.interval(), retryAfter);
  }

  private static boolean readyReasonIs(ApiToken apiToken, String reason) {
    return apiToken.getStatus() != null
        && apiToken.getStatus().getConditions().stream()
            .anyMatch(c -> Conditions.READY.equals(c.getType()) && reason.equals(c.getReason()));
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

  private Throttled throttled(
      ApiToken apiToken, IssueDecision decision, IssuanceBudget.Deferral deferral, Instant now) {
    Throttled throttled =
        new Throttled(decision.message(), deferral, Duration.between(now, deferral.until()));
    boolean reported =
        apiToken.getStatus() != null
            && apiToken.getStatus().getConditions().stream()
                .anyMatch(c -> Conditions.REASON_ISSUANCE_THROTTLED.equals(c.getReason()));
    if (!reported) {
      events.record(
          apiToken,
          EventRecorder.WARNING,
          Conditions.REASON_ISSUANCE_THROTTLED,
          throttled.message());
      metrics.issuanceThrottled();
    }
    return throttled;
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
                            && Conditions.REASON_SECRET_CONFLICT.equals(c.getReason()));
    return conflictedBefore
        && context
                .getClient()
                .secrets()
                .inNamespace(apiToken.getMetadata().getNamespace())
                .withName(TokenSecretDependent.secretName(apiToken))
                .get()
            != null;
  }

  private SecretConflict conflict(ApiToken apiToken) {
    SecretConflict conflict = new SecretConflict(TokenSecretDependent.secretName(apiToken));
    boolean reported =
        apiToken.getStatus() != null
            && apiToken.getStatus().getConditions().stream()
                .anyMatch(c -> Conditions.REASON_SECRET_CONFLICT.equals(c.getReason()));
    if (!reported) {
      events.record(
          apiToken, EventRecorder.WARNING, Conditions.REASON_SECRET_CONFLICT, conflict.message());
    }
    return conflict;
  }

  /**
   * What status says was issued last. A valid token of ours in the Secret that status does not know
   * means the status write after the Secret write was lost (for example a crash between the two):
   * that token is the current one, not a tampered one.
   */
  private static LastIssued lastIssued(
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
        return new LastIssued(jti, SignedToken.sha256Of(value.get()), verified.get().expiresAt());
      }
    }
    if (status == null || status.getJti() == null || status.getTokenHash() == null) {
      return null;
    }
    return new LastIssued(
        status.getJti(), status.getTokenHash(), Instant.parse(status.getExpiresAt()));
  }

  private void announce(ApiToken apiToken, IssueDecision decision, SignedToken token) {
    boolean first = decision.reason() == IssueReason.FIRST_ISSUE;
    boolean requested = decision.reason() == IssueReason.RENEW_REQUESTED;
    // The first issue is told by the Ready condition (reason Issued) and the audit log: an Event
    // for it would be a fifth API request per new ApiToken. Changes get one.
    if (!first) {
      String action = requested ? "Renewed" : "Reissued";
      String message =
          action
              + " token "
              + token.claims().jti()
              + " (index "
              + token.claims().statusIndex()
              + ", expires "
              + token.claims().expiresAt()
              + "): "
              + decision.message();
      events.record(apiToken, EventRecorder.NORMAL, action, message);
    }
    metrics.tokenIssued(decision.reason().label());
    AuditLog.issued(
        first ? AuditAction.ISSUE : requested ? AuditAction.RENEW : AuditAction.REISSUE,
        apiToken.getMetadata().getNamespace(),
        apiToken.getMetadata().getName(),
        token.claims(),
        token.kid(),
        requested ? "requested" : decision.reason().label());
  }
}
