package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.denylist.RevocationPolicy;
import dev.apitoken.operator.denylist.RevokedToken;
import dev.apitoken.operator.runtime.OperatorMetrics;
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
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps an ApiToken's Secret holding a current token and its status telling the truth. The
 * decisions live in pure policies ({@link SpecResolver}, {@link ReissuePolicy}); this class only
 * gathers their inputs, asks, and applies the answer.
 */
@ControllerConfiguration(name = ApiTokenReconciler.NAME)
public class ApiTokenReconciler implements Reconciler<ApiToken>, Cleaner<ApiToken> {
  public static final String NAME = "apitoken";
  private static final Duration CONFLICT_RETRY = Duration.ofMinutes(1);
  private static final Duration MINIMUM_DELAY = Duration.ofSeconds(1);

  /** How often to look again while a revocation is being written to the target namespaces. */
  private static final Duration PUBLISH_POLL = Duration.ofMillis(200);

  private final TokenSecretDependent secret = new TokenSecretDependent();
  private final SpecResolver specResolver;
  private final TokenIssuer issuer;
  private final Supplier<KeyRing> keyRing;
  private final EventRecorder events;
  private final Revocations revocations;
  private final OperatorMetrics metrics;
  private final TokenStates states;
  private final Clock clock;
  private final Duration maxResync;

  public ApiTokenReconciler(
      SpecResolver specResolver,
      TokenIssuer issuer,
      Supplier<KeyRing> keyRing,
      EventRecorder events,
      Revocations revocations,
      OperatorMetrics metrics,
      TokenStates states,
      Clock clock,
      Duration maxResync) {
    this.specResolver = specResolver;
    this.issuer = issuer;
    this.keyRing = keyRing;
    this.events = events;
    this.revocations = revocations;
    this.metrics = metrics;
    this.states = states;
    this.clock = clock;
    this.maxResync = maxResync;
  }

  @Override
  public List<EventSource<?, ApiToken>> prepareEventSources(EventSourceContext<ApiToken> context) {
    return EventSourceUtils.dependentEventSources(context, secret);
  }

  @Override
  public UpdateControl<ApiToken> reconcile(ApiToken apiToken, Context<ApiToken> context) {
    Instant now = clock.instant();
    StatusAggregator status = new StatusAggregator(apiToken, now);
    RevocationPolicy.Decision revocation = revocationDecision(apiToken, now);
    if (revocation.kind() == RevocationPolicy.Kind.REVOKE) {
      return revoke(apiToken, context, status, revocation, now);
    }
    if (revocation.kind() == RevocationPolicy.Kind.SCHEDULED) {
      status.condition(
          Conditions.REVOKED, Conditions.FALSE, revocation.reason(), revocation.message());
    } else {
      status.withoutCondition(Conditions.REVOKED);
    }
    SpecResolver.Resolution resolution = specResolver.resolve(apiToken.getSpec());
    if (!resolution.valid()) {
      status.ready(Conditions.FALSE, Conditions.REASON_INVALID_SPEC, resolution.problem());
      states.set(apiToken, TokenStates.INVALID);
      return finish(apiToken, status.build(), now, revocation.at());
    }
    var desired = resolution.desired();
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
    SignedToken token = decision.requiresIssue() ? issuer.issue(desired) : inSecret.orElseThrow();
    new SecretPlan(token).attachTo(context);
    try {
      secret.reconcile(apiToken, context);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || actual.isPresent()) {
        throw e;
      }
      String message =
          "a Secret named "
              + TokenSecretDependent.secretName(apiToken)
              + " already exists and is not managed by this operator: set spec.secretName to"
              + " another name, or delete that Secret";
      events.record(apiToken, EventRecorder.WARNING, "SecretConflict", message);
      status.ready(Conditions.FALSE, "SecretConflict", message);
      states.set(apiToken, TokenStates.FAILED);
      return finish(apiToken, status.build(), now).rescheduleAfter(CONFLICT_RETRY);
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
    states.set(apiToken, TokenStates.READY);
    if (decision.requiresIssue()) {
      announce(apiToken, decision, token);
    }
    return finish(apiToken, status.build(), now, revocation.at());
  }

  /**
   * Puts every outstanding token of the ApiToken on the ledger, and only then takes the token out
   * of the Secret: if anything fails in between, the next attempt starts over, and nothing revoked
   * is ever forgotten.
   */
  private UpdateControl<ApiToken> revoke(
      ApiToken apiToken,
      Context<ApiToken> context,
      StatusAggregator status,
      RevocationPolicy.Decision decision,
      Instant now) {
    boolean first = apiToken.getStatus() == null || !apiToken.getStatus().revocationRecorded();
    List<IssuedToken> tokens = outstanding(apiToken, context, status);
    revocations.record(revokedTokens(tokens)).join();
    secret.getSecondaryResource(apiToken, context).ifPresent(s -> secret.delete(apiToken, context));

    String reason = reasonText(apiToken, decision);
    status.revoked(decision.at(), reason);
    status.condition(Conditions.REVOKED, Conditions.TRUE, decision.reason(), decision.message());
    status.ready(
        Conditions.FALSE, Conditions.REASON_REVOKED, "revoked at " + decision.at() + ": " + reason);
    boolean published =
        revocations.isPublished(tokens.stream().map(IssuedToken::getIndex).toList());
    reportPublication(status, published, tokens.size());
    states.set(apiToken, TokenStates.REVOKED);
    if (first) {
      metrics.revocationRecorded(tokens.size());
      events.record(
          apiToken,
          EventRecorder.NORMAL,
          Conditions.REASON_REVOKED,
          "Revoked " + tokens.size() + " token(s): " + reason + "; the Secret was deleted");
      tokens.forEach(t -> audit("revoke", apiToken, t, reason));
    }
    UpdateControl<ApiToken> control = finish(apiToken, status.build(), now);
    return published ? control : control.rescheduleAfter(PUBLISH_POLL);
  }

  /**
   * Deleting an ApiToken revokes its tokens: the finalizer stays until they are on the ledger and
   * published to every target namespace; the ledger entry outlives the ApiToken until the token's
   * own expiry.
   */
  @Override
  public DeleteControl cleanup(ApiToken apiToken, Context<ApiToken> context) {
    Instant now = clock.instant();
    List<IssuedToken> tokens = outstanding(apiToken, context, new StatusAggregator(apiToken, now));
    revocations.record(revokedTokens(tokens)).join();
    if (!revocations.isPublished(tokens.stream().map(IssuedToken::getIndex).toList())) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(PUBLISH_POLL);
    }
    secret.getSecondaryResource(apiToken, context).ifPresent(s -> secret.delete(apiToken, context));
    boolean alreadyRevoked =
        apiToken.getStatus() != null && apiToken.getStatus().revocationRecorded();
    if (!alreadyRevoked) {
      metrics.revocationRecorded(tokens.size());
      tokens.forEach(t -> audit("revoke", apiToken, t, "ApiToken deleted"));
    }
    states.remove(apiToken);
    AuditLog.deleted(
        apiToken.getMetadata().getNamespace(), apiToken.getMetadata().getName(), tokens.size());
    return DeleteControl.defaultDelete();
  }

  private void reportPublication(StatusAggregator status, boolean published, int tokens) {
    int namespaces = revocations.targetNamespaceCount();
    if (published) {
      status.condition(
          Conditions.REVOCATION_PUBLISHED,
          Conditions.TRUE,
          Conditions.REASON_PUBLISHED,
          tokens
              + " token(s) revoked in the status list of all "
              + namespaces
              + " target namespace(s)");
    } else {
      status.condition(
          Conditions.REVOCATION_PUBLISHED,
          Conditions.FALSE,
          Conditions.REASON_PUBLISHING,
          "recorded; being written to " + namespaces + " target namespace(s)");
    }
  }

  /** Outstanding tokens from status, plus a valid token of ours found in the Secret. */
  private List<IssuedToken> outstanding(
      ApiToken apiToken, Context<ApiToken> context, StatusAggregator status) {
    secret
        .getSecondaryResource(apiToken, context)
        .flatMap(TokenSecretDependent::tokenValue)
        .flatMap(v -> TokenReader.verify(v, keyRing.get()))
        .filter(
            claims ->
                apiToken.getSpec() == null
                    || claims.subject().equals(apiToken.getSpec().getSubject()))
        .ifPresent(status::outstanding);
    return status.tokens();
  }

  private static List<RevokedToken> revokedTokens(List<IssuedToken> tokens) {
    return tokens.stream()
        .map(t -> new RevokedToken(t.getIndex(), Instant.parse(t.getExpiresAt())))
        .toList();
  }

  private static String reasonText(ApiToken apiToken, RevocationPolicy.Decision decision) {
    if (apiToken.getStatus() != null && apiToken.getStatus().getRevocationReason() != null) {
      return apiToken.getStatus().getRevocationReason();
    }
    String given = apiToken.getSpec() == null ? null : apiToken.getSpec().getRevocationReason();
    return given != null && !given.isBlank() ? given : decision.message();
  }

  private void audit(String action, ApiToken apiToken, IssuedToken token, String reason) {
    AuditLog.revoked(
        action,
        apiToken.getMetadata().getNamespace(),
        apiToken.getMetadata().getName(),
        token.getJti(),
        token.getIndex(),
        token.getExpiresAt(),
        reason);
  }

  private static RevocationPolicy.Decision revocationDecision(ApiToken apiToken, Instant now) {
    var spec = apiToken.getSpec();
    var status = apiToken.getStatus();
    return RevocationPolicy.decide(
        spec != null && spec.revocationRequested(),
        spec == null ? Optional.empty() : SpecResolver.revokeAt(spec),
        status == null || status.getRevokedAt() == null
            ? Optional.empty()
            : Optional.of(Instant.parse(status.getRevokedAt())),
        now);
  }

  @Override
  public ErrorStatusUpdateControl<ApiToken> updateErrorStatus(
      ApiToken apiToken, Context<ApiToken> context, Exception e) {
    Instant now = clock.instant();
    String message = "issuing failed, retrying: " + describe(e);
    metrics.issueFailed(Conditions.REASON_ISSUE_FAILED);
    states.set(apiToken, TokenStates.FAILED);
    events.record(apiToken, EventRecorder.WARNING, Conditions.REASON_ISSUE_FAILED, message);
    ApiTokenStatus next =
        new StatusAggregator(apiToken, now)
            .ready(Conditions.FALSE, Conditions.REASON_ISSUE_FAILED, message)
            .build();
    apiToken.setStatus(next);
    return ErrorStatusUpdateControl.patchStatus(apiToken);
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

  /** Writes status only when it changed, and wakes up for the next renewal or expiry. */
  private UpdateControl<ApiToken> finish(ApiToken apiToken, ApiTokenStatus next, Instant now) {
    return finish(apiToken, next, now, null);
  }

  private UpdateControl<ApiToken> finish(
      ApiToken apiToken, ApiTokenStatus next, Instant now, Instant scheduledRevocation) {
    UpdateControl<ApiToken> control;
    if (Objects.equals(apiToken.getStatus(), next)) {
      control = UpdateControl.noUpdate();
    } else {
      apiToken.setStatus(next);
      control = UpdateControl.patchStatus(apiToken);
    }
    return control.rescheduleAfter(nextWakeUp(next, now, scheduledRevocation));
  }

  private Duration nextWakeUp(ApiTokenStatus status, Instant now, Instant scheduledRevocation) {
    Instant next = now.plus(maxResync);
    if (status.getRenewalTime() != null) {
      next = min(next, Instant.parse(status.getRenewalTime()));
    }
    if (!status.revocationRecorded() && scheduledRevocation != null) {
      next = min(next, scheduledRevocation);
    }
    for (IssuedToken token : status.getTokens()) {
      next = min(next, Instant.parse(token.getExpiresAt()));
    }
    Duration delay = Duration.between(now, next);
    return delay.compareTo(MINIMUM_DELAY) < 0 ? MINIMUM_DELAY : delay;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /** Describes a failure without anything that could echo a request body (and so a token). */
  static String describe(Exception e) {
    Throwable cause = e;
    while ((cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof KubernetesClientException k) {
      String reason = k.getStatus() == null ? null : k.getStatus().getReason();
      return "the Kubernetes API answered " + k.getCode() + (reason == null ? "" : " " + reason);
    }
    return cause.getClass().getSimpleName();
  }
}
