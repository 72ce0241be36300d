package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.Consumer;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.denylist.IndexSpace;
import dev.apitoken.operator.token.SignedToken;
import dev.apitoken.operator.token.TokenClaims;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Builds an ApiToken's next status from its current one. All status writing goes through here, so
 * conditions, observedGeneration and the list of outstanding tokens follow one set of rules.
 */
final class StatusAggregator {
  private final ApiTokenStatus status;
  private final long generation;
  private final Instant now;

  StatusAggregator(ApiToken apiToken, Instant now) {
    ApiTokenStatus current =
        apiToken.getStatus() == null ? new ApiTokenStatus() : apiToken.getStatus();
    this.status = Serialization.clone(current);
    this.generation =
        apiToken.getMetadata().getGeneration() == null ? 0 : apiToken.getMetadata().getGeneration();
    // Kubernetes timestamps have whole seconds; so does everything this status says.
    this.now = now.truncatedTo(ChronoUnit.SECONDS);
    pruneExpired();
  }

  /** Records a token as the current one (newly issued, or found in the Secret) and outstanding. */
  StatusAggregator current(SignedToken token, String secretName, Instant renewalTime) {
    TokenClaims claims = token.claims();
    status.setSecretName(secretName);
    status.setJti(claims.jti());
    status.setKeyId(token.kid());
    status.setStatusListIndex(claims.statusIndex());
    status.setIssuedAt(claims.issuedAt().toString());
    status.setExpiresAt(claims.expiresAt().toString());
    status.setRenewalTime(renewalTime.toString());
    status.setTokenHash(token.sha256());
    outstanding(claims);
    return this;
  }

  /** Adds a token to the outstanding list unless it is already there. */
  StatusAggregator outstanding(TokenClaims claims) {
    boolean known = status.getTokens().stream().anyMatch(t -> claims.jti().equals(t.getJti()));
    if (known) {
      // Entries listed before issue times were recorded learn theirs from the token itself.
      status.getTokens().stream()
          .filter(t -> claims.jti().equals(t.getJti()) && t.getIssuedAt() == null)
          .forEach(t -> t.setIssuedAt(claims.issuedAt().toString()));
    }
    if (!known && claims.expiresAt().plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(now)) {
      List<IssuedToken> tokens = new ArrayList<>(status.getTokens());
      IssuedToken issued =
          new IssuedToken(claims.jti(), claims.statusIndex(), claims.expiresAt().toString());
      issued.setIssuedAt(claims.issuedAt().toString());
      tokens.add(issued);
      tokens.sort(Comparator.comparing(IssuedToken::getIndex));
      status.setTokens(tokens);
    }
    return this;
  }

  StatusAggregator ready(String status, String reason, String message) {
    return condition(Conditions.READY, status, reason, message);
  }

  StatusAggregator condition(String type, String status, String reason, String message) {
    this.status.setConditions(
        ConditionSetter.set(
            this.status.getConditions(), type, status, reason, message, generation, now));
    return this;
  }

  /** kstatus: the operator is working on this ApiToken (issuing, revoking, publishing). */
  StatusAggregator reconciling(String reason, String message) {
    condition(Conditions.RECONCILING, Conditions.TRUE, reason, message);
    return condition(Conditions.STALLED, Conditions.FALSE, reason, message);
  }

  /** kstatus: the operator cannot progress until a person changes something. */
  StatusAggregator stalled(String reason, String message) {
    condition(Conditions.STALLED, Conditions.TRUE, reason, message);
    return condition(Conditions.RECONCILING, Conditions.FALSE, reason, message);
  }

  /** kstatus: nothing left to do until the next renewal or request. */
  StatusAggregator settled() {
    String message = "the ApiToken is in the state its spec asks for";
    condition(Conditions.RECONCILING, Conditions.FALSE, Conditions.REASON_SETTLED, message);
    return condition(Conditions.STALLED, Conditions.FALSE, Conditions.REASON_SETTLED, message);
  }

  StatusAggregator withoutCondition(String type) {
    this.status.getConditions().removeIf(c -> type.equals(c.getType()));
    return this;
  }

  /** Marks the ApiToken revoked; the first revocation time and reason are kept for good. */
  StatusAggregator revoked(Instant at, String reason) {
    if (status.getRevokedAt() == null) {
      status.setRevokedAt(at.truncatedTo(ChronoUnit.SECONDS).toString());
      status.setRevocationReason(reason);
    }
    status.setRenewalTime(null);
    return this;
  }

  /** Records that the renew request {@code requestedAt} (the annotation's text) was acted on. */
  StatusAggregator lastRenewRequest(String requestedAt) {
    status.setLastRenewRequest(requestedAt);
    return this;
  }

  /** Records that every token issued before {@code before} (spec's text) is revoked. */
  StatusAggregator revokedIssuedBefore(String before) {
    status.setRevokedIssuedBefore(before);
    return this;
  }

  /** Marks the listed tokens at these indices revoked at {@code at}, each once. */
  StatusAggregator tokensRevoked(Collection<Long> indices, Instant at) {
    String when = at.truncatedTo(ChronoUnit.SECONDS).toString();
    status.getTokens().stream()
        .filter(t -> t.getRevokedAt() == null && indices.contains(t.getIndex()))
        .forEach(t -> t.setRevokedAt(when));
    return this;
  }

  /**
   * Records the workloads found using the Secret. Consumers the operator may not look up are
   * omitted; after any other failed lookup the last known ones stay.
   */
  StatusAggregator consumers(TokenConsumers.Lookup lookup) {
    if (lookup.known()) {
      List<Consumer> listed =
          lookup.workloads().stream()
              .limit(TokenConsumers.MAX_LISTED)
              .map(TokenConsumers.Workload::consumer)
              .toList();
      status.setConsumers(listed.isEmpty() ? null : new ArrayList<>(listed));
      status.setConsumerCount(lookup.workloads().size());
    } else if (lookup.forbidden()) {
      status.setConsumers(null);
      status.setConsumerCount(null);
    }
    return this;
  }

  /** Records the token for which spec.rolloutRestart was carried out (null: nothing to record). */
  StatusAggregator rolloutRestartedFor(String jti) {
    status.setRolloutRestartedFor(jti);
    return this;
  }

  /** The current token's jti, null before the first issue. */
  String currentJti() {
    return status.getJti();
  }

  /** The tokens still outstanding (unexpired, or expired within the retention), by reference. */
  List<IssuedToken> tokens() {
    return List.copyOf(status.getTokens());
  }

  ApiTokenStatus build() {
    status.setObservedGeneration(generation);
    return status;
  }

  private void pruneExpired() {
    status
        .getTokens()
        .removeIf(
            t ->
                t.getExpiresAt() == null
                    || !Instant.parse(t.getExpiresAt())
                        .plus(IndexSpace.RETENTION_AFTER_EXPIRY)
                        .isAfter(now));
  }
}
