package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.RevocationPolicy;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.token.IssuanceBudget;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.ReissueBudget;
import dev.apitoken.operator.token.ReissuePolicy;
import dev.apitoken.operator.token.TokenIssuer;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Keeps an ApiToken's Secret holding a current token, revokes its tokens when asked, and keeps its
 * status telling the truth. Decisions live in pure policies ({@link SpecResolver}, {@link
 * ReissuePolicy}, {@link RevocationPolicy}); the work in {@link TokenIssuance}, {@link
 * TokenRevocation} and {@link PreviousTokens}, which return outcomes; {@link ConditionTable} turns
 * outcomes into conditions. This class picks the path and the timing.
 */
// Renew requests are annotations; SpecOrRequestChanged lets them through besides spec changes.
@ControllerConfiguration(
    name = ApiTokenReconciler.NAME,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = SpecOrRequestChanged.class))
// Retried without limit, backing off to every 5 minutes: JOSDK's default gives up after five
// attempts, and an ApiToken whose revocation failed five times would then wait for an edit.
@GradualRetry(
    maxAttempts = -1,
    initialInterval = 2_000,
    intervalMultiplier = 2,
    maxInterval = 5 * 60 * 1_000)
public class ApiTokenReconciler implements Reconciler<ApiToken>, Cleaner<ApiToken> {
  public static final String NAME = "apitoken";
  private static final Duration CONFLICT_RETRY = Duration.ofMinutes(1);
  private static final Duration MINIMUM_DELAY = Duration.ofSeconds(1);

  /**
   * When to look again while a revocation is being written to the target namespaces, in case the
   * wake-up from {@link PublicationWakeUps} is lost: a lost event only delays.
   */
  private static final Duration PUBLICATION_FALLBACK = Duration.ofSeconds(5);

  /** When a deleted ApiToken looks again while its revocation is still being stored. */
  private static final Duration DELETION_RECORDING_RETRY = Duration.ofMillis(200);

  private final TokenSecretDependent secret = new TokenSecretDependent();
  private final SpecResolver specResolver;
  private final TokenIssuance issuance;
  private final SigningKeyGate signingKeyGate;
  private final TokenRevocation revocation;
  private final PublicationWakeUps publications;
  private final PreviousTokens previousTokens;
  private final ConsumerUpdates consumers;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final TokenStates states;
  private final Clock clock;
  private final Duration maxResync;
  private final IssuanceBudget issuanceBudget;

  public ApiTokenReconciler(
      SpecResolver specResolver,
      TokenIssuer issuer,
      Supplier<KeyRing> keyRing,
      EventRecorder events,
      Revocations revocations,
      OperatorMetrics metrics,
      TokenStates states,
      Clock clock,
      Duration maxResync,
      SigningKeyGate signingKeyGate,
      ReissueBudget keyLossReissues) {
    this.specResolver = specResolver;
    this.signingKeyGate = signingKeyGate;
    this.issuanceBudget = new IssuanceBudget(clock);
    this.issuance =
        new TokenIssuance(
            secret,
            issuer,
            keyRing,
            events,
            metrics,
            signingKeyGate,
            keyLossReissues,
            revocations,
            issuanceBudget);
    this.revocation = new TokenRevocation(secret, keyRing, revocations, events, metrics);
    this.publications = new PublicationWakeUps(revocations::isPublished);
    this.previousTokens = new PreviousTokens(revocation, events);
    this.consumers = new ConsumerUpdates(events);
    this.events = events;
    this.metrics = metrics;
    this.states = states;
    this.clock = clock;
    this.maxResync = maxResync;
  }

  @Override
  public List<EventSource<?, ApiToken>> prepareEventSources(EventSourceContext<ApiToken> context) {
    List<EventSource<?, ApiToken>> sources =
        new ArrayList<>(EventSourceUtils.dependentEventSources(context, secret));
    sources.add(signingKeyGate.eventSource());
    sources.add(publications.eventSource());
    return sources;
  }

  /** Called after every complete publish round: wakes ApiTokens whose revocation it published. */
  public void published() {
    publications.published();
  }

  @Override
  public UpdateControl<ApiToken> reconcile(ApiToken apiToken, Context<ApiToken> context) {
    try {
      return reconcileToken(apiToken, context);
    } catch (OutOfMemoryError | ReconcileError e) {
      throw e;
    } catch (Error e) {
      throw new ReconcileError(e);
    }
  }

  private UpdateControl<ApiToken> reconcileToken(ApiToken apiToken, Context<ApiToken> context) {
    Instant now = clock.instant();
    StatusAggregator status = new StatusAggregator(apiToken, now);
    RevocationPolicy.Decision revocationDecision = TokenRevocation.decide(apiToken, now);
    if (revocationDecision.kind() == RevocationPolicy.Kind.REVOKE) {
      return revoke(apiToken, context, status, revocationDecision, now);
    }
    SpecResolver.Resolution resolution = specResolver.resolve(apiToken);
    if (!resolution.valid()) {
      if (!reportedInvalid(apiToken, resolution.problem())) {
        events.record(
            apiToken, EventRecorder.WARNING, Conditions.REASON_INVALID_SPEC, resolution.problem());
      }
      states.set(apiToken, TokenStates.INVALID);
      status.conditions(
          ConditionTable.rows(
              new ConditionTable.InvalidSpec(revocationDecision, resolution.problem())));
      return finishWithToken(apiToken, context, status.build(), now, revocationDecision.at());
    }
    TokenIssuance.Outcome issued =
        issuance.ensureToken(
            apiToken,
            context,
            resolution.desired(),
            ReissueRequests.of(apiToken, now),
            status,
            now);
    if (issued instanceof TokenIssuance.Current current) {
      return settle(apiToken, context, status, revocationDecision, current, now);
    }
    status.conditions(
        ConditionTable.rows(new ConditionTable.Issuing(revocationDecision, issued, null)));
    if (issued instanceof TokenIssuance.Waiting waiting) {
      states.set(apiToken, TokenStates.PENDING);
      return finishWithToken(apiToken, context, status.build(), now, null)
          .rescheduleAfter(max(waiting.retryAfter(), MINIMUM_DELAY));
    }
    states.set(apiToken, TokenStates.FAILED);
    Duration retry =
        issuanceBudget
            .deferral(TokenIssuance.budgetKey(apiToken))
            .map(deferral -> Duration.between(now, deferral.until()))
            .filter(delay -> delay.compareTo(MINIMUM_DELAY) >= 0)
            .orElse(CONFLICT_RETRY);
    return finishWithToken(apiToken, context, status.build(), now, null).rescheduleAfter(retry);
  }

  /** Revokes every token of the ApiToken, and looks again until the revocation is published. */
  private UpdateControl<ApiToken> revoke(
      ApiToken apiToken,
      Context<ApiToken> context,
      StatusAggregator status,
      RevocationPolicy.Decision decision,
      Instant now) {
    boolean recordedBefore =
        apiToken.getStatus() != null && apiToken.getStatus().revocationRecorded();
    TokenRevocation.Outcome outcome = revocation.revoke(apiToken, context, decision, now);
    TokenRevocation.Stage stage = outcome.stage();
    if (stage != TokenRevocation.Stage.RECORDING) {
      status.revoked(decision.at(), outcome.reason());
    }
    consumers.afterRevocation(
        apiToken, context, status, !recordedBefore && stage != TokenRevocation.Stage.RECORDING);
    states.set(apiToken, TokenStates.REVOKED);
    metrics.tokenGone(apiToken.getMetadata().getNamespace(), apiToken.getMetadata().getName());
    status.conditions(ConditionTable.rows(new ConditionTable.Revoking(decision, outcome)));
    UpdateControl<ApiToken> control = finish(apiToken, context, status.build(), now, null);
    return switch (stage) {
      case PUBLISHED -> control;
      case PUBLISHING -> {
        publications.await(apiToken, outcome.recorded().indices());
        yield control.rescheduleAfter(
            Math.min(
                control.getScheduleDelay().orElse(Long.MAX_VALUE),
                PUBLICATION_FALLBACK.toMillis()));
      }
      case RECORDING -> control.rescheduleAfter(MINIMUM_DELAY);
    };
  }

  /**
   * The Secret holds a current token: tell its consumers, revoke the tokens it replaced when due,
   * and wake up for the next renewal, cut-off or scheduled revocation.
   */
  private UpdateControl<ApiToken> settle(
      ApiToken apiToken,
      Context<ApiToken> context,
      StatusAggregator status,
      RevocationPolicy.Decision revocationDecision,
      TokenIssuance.Current current,
      Instant now) {
    renewRequestDone(apiToken, status);
    consumers.afterIssue(apiToken, context, current.issued(), status, now);
    PreviousTokens.Outcome previous = previousTokens.settle(apiToken, context, status, now);
    status.conditions(
        ConditionTable.rows(new ConditionTable.Issuing(revocationDecision, current, previous)));
    states.set(apiToken, TokenStates.READY);
    Instant wakeUp =
        previous
            .nextAt()
            .map(
                at ->
                    revocationDecision.at() == null || at.isBefore(revocationDecision.at())
                        ? at
                        : revocationDecision.at())
            .orElse(revocationDecision.at());
    UpdateControl<ApiToken> control =
        finishWithToken(apiToken, context, status.build(), now, wakeUp);
    return previous.recording() ? control.rescheduleAfter(MINIMUM_DELAY) : control;
  }

  /**
   * The Secret now holds a token issued after any renew request: record the request as done, so it
   * is carried out once. An unreadable request is reported once and recorded the same way.
   */
  private void renewRequestDone(ApiToken apiToken, StatusAggregator status) {
    ReissueRequests.pendingRenew(apiToken)
        .ifPresent(
            text -> {
              if (SpecResolver.instant(text).isEmpty()) {
                events.record(
                    apiToken,
                    EventRecorder.WARNING,
                    "InvalidRenewRequest",
                    "annotation "
                        + ReissueRequests.RENEW_ANNOTATION
                        + " is not an RFC 3339 time (e.g. 2026-03-01T00:00:00Z): nothing was"
                        + " renewed");
              }
              status.lastRenewRequest(text);
            });
  }

  /** Whether status already reports this spec problem, so its Warning Event is posted once. */
  private static boolean reportedInvalid(ApiToken apiToken, String problem) {
    return apiToken.getStatus() != null
        && apiToken.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    Conditions.READY.equals(c.getType())
                        && Conditions.REASON_INVALID_SPEC.equals(c.getReason())
                        && problem.equals(c.getMessage()));
  }

  /** The uid tokens are recorded under: the ApiToken's metadata.uid. */
  public static String ownerUid(ApiToken apiToken) {
    return TokenRevocation.ownerUid(apiToken);
  }

  @Override
  public DeleteControl cleanup(ApiToken apiToken, Context<ApiToken> context) {
    try {
      TokenRevocation.Recorded recorded = revocation.cleanup(apiToken, context, clock.instant());
      if (recorded.stage() == TokenRevocation.Stage.RECORDING) {
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(DELETION_RECORDING_RETRY);
      }
      if (recorded.stage() == TokenRevocation.Stage.PUBLISHING) {
        publications.await(apiToken, recorded.indices());
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(PUBLICATION_FALLBACK);
      }
      if (apiToken.getStatus() == null || !apiToken.getStatus().revocationRecorded()) {
        consumers.afterDeletion(apiToken, context);
      }
    } catch (OutOfMemoryError | ReconcileError e) {
      throw e;
    } catch (Error e) {
      throw new ReconcileError(e);
    }
    states.remove(apiToken);
    metrics.tokenDeleted(apiToken.getMetadata().getNamespace(), apiToken.getMetadata().getName());
    issuanceBudget.forget(TokenIssuance.budgetKey(apiToken));
    issuance.forget(apiToken);
    return DeleteControl.defaultDelete();
  }

  @Override
  public ErrorStatusUpdateControl<ApiToken> updateErrorStatus(
      ApiToken apiToken, Context<ApiToken> context, Exception e) {
    Instant now = clock.instant();
    boolean revoking =
        apiToken.isMarkedForDeletion()
            || TokenRevocation.decide(apiToken, now).kind() == RevocationPolicy.Kind.REVOKE;
    ConditionTable.Failed failed = new ConditionTable.Failed(revoking, Failures.describe(e));
    metrics.issueFailed(failed.reason());
    states.set(apiToken, TokenStates.FAILED);
    events.record(apiToken, EventRecorder.WARNING, failed.reason(), failed.message());
    try {
      writeStatus(
          apiToken,
          context,
          new StatusAggregator(apiToken, now).conditions(ConditionTable.rows(failed)).build());
    } catch (RuntimeException statusWriteFailed) {
      // The retry that follows writes status again; the original failure is what counts.
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /**
   * {@link #finish} for an ApiToken that is not being revoked: the token its status names (still
   * valid even while the spec is invalid or a reissue waits) is exported with its expiry and
   * renewal time, so an alert sees a token about to expire unrenewed.
   */
  private UpdateControl<ApiToken> finishWithToken(
      ApiToken apiToken,
      Context<ApiToken> context,
      ApiTokenStatus next,
      Instant now,
      Instant scheduledRevocation) {
    String namespace = apiToken.getMetadata().getNamespace();
    String name = apiToken.getMetadata().getName();
    if (next.getExpiresAt() == null || next.revocationRecorded()) {
      metrics.tokenGone(namespace, name);
    } else {
      metrics.tokenValidity(
          namespace,
          name,
          Instant.parse(next.getExpiresAt()),
          next.getRenewalTime() == null ? null : Instant.parse(next.getRenewalTime()));
    }
    return finish(apiToken, context, next, now, scheduledRevocation);
  }

  /**
   * Writes status only when it changed, and wakes up for the next renewal, expiry or revocation.
   * The write replaces the whole status under optimistic locking, and the next reconciliation is
   * guaranteed to see it: a patch computed from a stale cached copy could otherwise duplicate list
   * entries such as conditions.
   */
  private UpdateControl<ApiToken> finish(
      ApiToken apiToken,
      Context<ApiToken> context,
      ApiTokenStatus next,
      Instant now,
      Instant scheduledRevocation) {
    writeStatus(apiToken, context, next);
    return UpdateControl.<ApiToken>noUpdate()
        .rescheduleAfter(nextWakeUp(next, now, scheduledRevocation));
  }

  private void writeStatus(ApiToken apiToken, Context<ApiToken> context, ApiTokenStatus next) {
    metrics.tokenReady(
        apiToken.getMetadata().getNamespace(),
        apiToken.getMetadata().getName(),
        next.getConditions().stream()
            .filter(c -> Conditions.READY.equals(c.getType()))
            .map(c -> c.getStatus())
            .findFirst()
            .orElse(Conditions.UNKNOWN));
    if (!Objects.equals(apiToken.getStatus(), next)) {
      PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
          apiToken,
          context,
          fresh -> {
            fresh.setStatus(next);
            return fresh;
          });
    }
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
      // A listed token stays revocable a while past its expiry; look again when it is dropped.
      next = min(next, Instant.parse(token.getExpiresAt()).plus(IndexSpace.RETENTION_AFTER_EXPIRY));
    }
    Duration delay = Duration.between(now, next);
    return delay.compareTo(MINIMUM_DELAY) < 0 ? MINIMUM_DELAY : delay;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) > 0 ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
