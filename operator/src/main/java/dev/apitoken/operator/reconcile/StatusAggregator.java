package dev.apitoken.operator.reconcile;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.ApiTokenStatus;
import dev.apitoken.operator.api.Consumer;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.token.SignedToken;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Builds an ApiToken's next status from its current one. All status writing goes through here, so
 * conditions, observedGeneration and the list of outstanding tokens follow one set of rules. Fields
 * are recorded by whoever holds the data (issuance, previous tokens, consumers, the reconciler);
 * conditions come only from {@link ConditionTable}.
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

  /**
   * Sets (or removes) the conditions {@link ConditionTable} derived from this reconcile's outcome;
   * the only way conditions change.
   */
  StatusAggregator conditions(List<ConditionTable.Row> rows) {
    for (ConditionTable.Row row : rows) {
      if (row.status() == null) {
        status.getConditions().removeIf(c -> row.type().equals(c.getType()));
      } else {
        status.setConditions(
            ConditionSetter.set(
                status.getConditions(),
                row.type(),
                row.status(),
                row.reason(),
                row.message(),
                generation,
                now));
      }
    }
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
