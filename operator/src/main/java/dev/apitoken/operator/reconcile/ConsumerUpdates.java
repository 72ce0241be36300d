package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.RolloutRestartTarget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;
import java.util.List;

/**
 * What the workloads using an ApiToken's Secret learn, and status.consumers: run by the reconciler
 * after the Secret holds a current token, after a revocation, and after a deletion.
 */
final class ConsumerUpdates {
  private final TokenConsumers consumers;
  private final RolloutRestarts restarts;

  ConsumerUpdates(EventRecorder events) {
    this.consumers = new TokenConsumers(events);
    this.restarts = new RolloutRestarts(events);
  }

  /**
   * The Secret holds a current token ({@code issued} when this reconcile wrote it): refresh
   * status.consumers, tell them about a new token, and carry out spec.rolloutRestart once per
   * token.
   */
  void afterIssue(
      ApiToken apiToken,
      Context<ApiToken> context,
      TokenIssuance.Issued issued,
      StatusAggregator status,
      Instant now) {
    String secretName = TokenSecretDependent.secretName(apiToken);
    TokenConsumers.Lookup lookup =
        consumers.find(context.getClient(), apiToken.getMetadata().getNamespace(), secretName);
    status.consumers(lookup);
    if (issued != null) {
      consumers.notify(
          apiToken,
          secretName,
          lookup,
          issued.first() ? TokenConsumers.Change.ISSUED : TokenConsumers.Change.REISSUED,
          issued.claims().jti(),
          issued.claims().expiresAt().toString());
    }
    ApiTokenStatus before = apiToken.getStatus();
    List<RolloutRestartTarget> targets =
        apiToken.getSpec() == null ? List.of() : apiToken.getSpec().getRolloutRestart();
    RolloutRestarts.Plan plan =
        RolloutRestarts.plan(
            targets,
            before == null ? null : before.getRolloutRestartedFor(),
            before == null ? null : before.getJti(),
            status.currentJti());
    if (plan.restart()) {
      restarts.restart(context.getClient(), apiToken, targets, status.currentJti(), now);
    }
    status.rolloutRestartedFor(plan.recordedFor());
  }

  /**
   * A revocation is stored or underway: refresh status.consumers and, when {@code firstTime} (the
   * Secret was deleted by this reconcile), tell them.
   */
  void afterRevocation(
      ApiToken apiToken, Context<ApiToken> context, StatusAggregator status, boolean firstTime) {
    String secretName = TokenSecretDependent.secretName(apiToken);
    TokenConsumers.Lookup lookup =
        consumers.find(context.getClient(), apiToken.getMetadata().getNamespace(), secretName);
    status.consumers(lookup);
    if (firstTime) {
      consumers.notify(apiToken, secretName, lookup, TokenConsumers.Change.REVOKED, null, null);
    }
  }

  /** A deleted ApiToken's tokens are revoked and its Secret is gone: tell its consumers. */
  void afterDeletion(ApiToken apiToken, Context<ApiToken> context) {
    String secretName = TokenSecretDependent.secretName(apiToken);
    TokenConsumers.Lookup lookup =
        consumers.find(context.getClient(), apiToken.getMetadata().getNamespace(), secretName);
    consumers.notify(apiToken, secretName, lookup, TokenConsumers.Change.DELETED, null, null);
  }
}
