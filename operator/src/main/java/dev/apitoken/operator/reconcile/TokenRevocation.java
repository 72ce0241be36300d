package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.denylist.IndexSpace;
import dev.apitoken.operator.denylist.IssueRecord;
import dev.apitoken.operator.denylist.RevocationPolicy;
import dev.apitoken.operator.runtime.AuditAction;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.TokenClaims;
import dev.apitoken.operator.token.TokenReader;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Revokes an ApiToken's tokens: every token ever issued for its uid (from the issue records), every
 * token its status lists, and any token of ours in its Secret, whatever their subject. They go on
 * the ledger and the issue records first, and only then is the token taken out of its Secret. If
 * anything fails in between, the next attempt starts over, so nothing revoked is ever forgotten.
 */
final class TokenRevocation {
  /** How long a reconcile waits for the state write before reporting progress and looking later. */
  private static final long RECORD_WAIT_MILLIS = 2_000;

  /** Where a revocation stands. */
  enum Stage {
    /** Not yet stored; {@link Outcome#failure} says why when a write failed. */
    RECORDING,
    /** Stored; being written to the target namespaces. */
    PUBLISHING,
    /** In the trust ConfigMaps of every target namespace. */
    PUBLISHED
  }

  record Outcome(Stage stage, int tokens, Optional<ShardedStore.Failure> failure) {}

  private final TokenSecretDependent secret;
  private final Supplier<KeyRing> keyRing;
  private final Revocations revocations;
  private final EventRecorder events;
  private final OperatorMetrics metrics;

  TokenRevocation(
      TokenSecretDependent secret,
      Supplier<KeyRing> keyRing,
      Revocations revocations,
      EventRecorder events,
      OperatorMetrics metrics) {
    this.secret = secret;
    this.keyRing = keyRing;
    this.revocations = revocations;
    this.events = events;
    this.metrics = metrics;
  }

  static RevocationPolicy.Decision decide(ApiToken apiToken, Instant now) {
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

  Outcome revoke(
      ApiToken apiToken,
      Context<ApiToken> context,
      StatusAggregator status,
      RevocationPolicy.Decision decision,
      Instant now) {
    boolean first = apiToken.getStatus() == null || !apiToken.getStatus().revocationRecorded();
    List<IssueRecord> tokens = outstanding(apiToken, context, now);
    Outcome outcome = record(tokens);
    String reason = reasonText(apiToken, decision);
    if (outcome.stage() == Stage.RECORDING) {
      String why =
          outcome.failure().map(ShardedStore.Failure::describe).orElse("waiting for the write");
      status.condition(
          Conditions.REVOKED,
          Conditions.FALSE,
          outcome.failure().filter(ShardedStore.Failure::refused).isPresent()
              ? Conditions.REASON_REVOCATION_STORE_REFUSED
              : Conditions.REASON_RECORDING,
          "revocation of "
              + tokens.size()
              + " token(s) is being recorded, retrying: "
              + why
              + "; the Secret is deleted once it is recorded");
      status.ready(Conditions.FALSE, Conditions.REASON_REVOKED, "being revoked: " + reason);
      return outcome;
    }
    secret.getSecondaryResource(apiToken, context).ifPresent(s -> secret.delete(apiToken, context));
    status.revoked(decision.at(), reason);
    status.condition(Conditions.REVOKED, Conditions.TRUE, decision.reason(), decision.message());
    status.ready(
        Conditions.FALSE,
        Conditions.REASON_REVOKED,
        "revoked at " + decision.at().truncatedTo(ChronoUnit.SECONDS) + ": " + reason);
    reportPublication(status, outcome);
    if (first) {
      metrics.revocationRecorded(tokens.size());
      events.record(
          apiToken,
          EventRecorder.NORMAL,
          Conditions.REASON_REVOKED,
          "Revoked " + tokens.size() + " token(s): " + reason + "; the Secret was deleted");
      tokens.forEach(t -> audit(apiToken, t, reason));
    }
    return outcome;
  }

  /**
   * Deleting an ApiToken revokes its tokens. @return true once they are recorded and published to
   * every target namespace, and the Secret is gone: the finalizer may go. The revocation outlives
   * the ApiToken until each token's own expiry.
   */
  boolean cleanup(ApiToken apiToken, Context<ApiToken> context, Instant now) {
    List<IssueRecord> tokens = outstanding(apiToken, context, now);
    if (record(tokens).stage() != Stage.PUBLISHED) {
      return false;
    }
    secret.getSecondaryResource(apiToken, context).ifPresent(s -> secret.delete(apiToken, context));
    boolean alreadyRevoked =
        apiToken.getStatus() != null && apiToken.getStatus().revocationRecorded();
    if (!alreadyRevoked) {
      metrics.revocationRecorded(tokens.size());
      tokens.forEach(t -> audit(apiToken, t, "ApiToken deleted"));
    }
    AuditLog.deleted(
        apiToken.getMetadata().getNamespace(), apiToken.getMetadata().getName(), tokens.size());
    return true;
  }

  /**
   * Every token of this ApiToken that a verifier could still accept: recorded for its uid, listed
   * in its status, or found in its Secret (any subject: the spec may have changed in the same
   * edit). Tokens within {@link IndexSpace#RETENTION_AFTER_EXPIRY} of their expiry count.
   */
  List<IssueRecord> outstanding(ApiToken apiToken, Context<ApiToken> context, Instant now) {
    String uid = ownerUid(apiToken);
    String namespace = apiToken.getMetadata().getNamespace();
    String name = apiToken.getMetadata().getName();
    Map<Long, IssueRecord> byIndex = new TreeMap<>();
    revocations.issuedTo(uid).forEach(r -> byIndex.put(r.index(), r));
    if (apiToken.getStatus() != null) {
      for (IssuedToken t : apiToken.getStatus().getTokens()) {
        if (t.getIndex() != null && t.getExpiresAt() != null) {
          byIndex.putIfAbsent(
              t.getIndex(),
              new IssueRecord(
                  t.getIndex(),
                  Instant.parse(t.getExpiresAt()),
                  uid,
                  namespace,
                  name,
                  t.getJti(),
                  false));
        }
      }
    }
    secret
        .getSecondaryResource(apiToken, context)
        .flatMap(TokenSecretDependent::tokenValue)
        .flatMap(v -> TokenReader.verify(v, keyRing.get()))
        .ifPresent(
            (TokenClaims c) ->
                byIndex.putIfAbsent(
                    c.statusIndex(),
                    new IssueRecord(
                        c.statusIndex(), c.expiresAt(), uid, namespace, name, c.jti(), false)));
    return byIndex.values().stream()
        .filter(r -> r.expiresAt().plus(IndexSpace.RETENTION_AFTER_EXPIRY).isAfter(now))
        .toList();
  }

  static String ownerUid(ApiToken apiToken) {
    String uid = apiToken.getMetadata().getUid();
    return uid == null || uid.isBlank()
        ? apiToken.getMetadata().getNamespace() + "/" + apiToken.getMetadata().getName()
        : uid;
  }

  /** Stores the revocation of these tokens, waiting a little for the write. */
  Outcome record(List<IssueRecord> tokens) {
    List<Long> indices = tokens.stream().map(IssueRecord::index).toList();
    CompletableFuture<Void> written = revocations.record(tokens);
    try {
      written.get(RECORD_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return new Outcome(Stage.RECORDING, tokens.size(), revocations.failure(indices));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(Stage.RECORDING, tokens.size(), Optional.empty());
    }
    return new Outcome(
        revocations.isPublished(indices) ? Stage.PUBLISHED : Stage.PUBLISHING,
        tokens.size(),
        Optional.empty());
  }

  private void reportPublication(StatusAggregator status, Outcome outcome) {
    int namespaces = revocations.targetNamespaceCount();
    if (outcome.stage() == Stage.PUBLISHED) {
      status.condition(
          Conditions.REVOCATION_PUBLISHED,
          Conditions.TRUE,
          Conditions.REASON_PUBLISHED,
          outcome.tokens()
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

  private static String reasonText(ApiToken apiToken, RevocationPolicy.Decision decision) {
    if (apiToken.getStatus() != null && apiToken.getStatus().getRevocationReason() != null) {
      return apiToken.getStatus().getRevocationReason();
    }
    String given = apiToken.getSpec() == null ? null : apiToken.getSpec().getRevocationReason();
    return given != null && !given.isBlank() ? given : decision.message();
  }

  private static void audit(ApiToken apiToken, IssueRecord token, String reason) {
    AuditLog.revoked(AuditAction.REVOKE, apiToken, token, reason);
  }
}
