package dev.apitoken.operator.reconcile;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.RevocationPolicy;
import dev.apitoken.operator.runtime.AuditAction;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ShardedStore;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.TokenReader;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;
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
    /** Not yet stored; {@link Recorded#failure} says why when a write failed. */
    RECORDING,
    /** Stored; being written to the target namespaces. */
    PUBLISHING,
    /** In the trust ConfigMaps of every target namespace. */
    PUBLISHED
  }

  /** Where the revocation of the tokens at these status-list indices stands. */
  record Recorded(Stage stage, List<Long> indices, Optional<ShardedStore.Failure> failure) {
    int tokens() {
      return indices.size();
    }
  }

  /**
   * How revoking a whole ApiToken went: {@code reason} is the revocation reason status keeps (spec
   * text, or the decision's message), {@code targetNamespaces} how many namespaces get the copies.
   */
  record Outcome(
      Recorded recorded,
      String reason,
      int targetNamespaces,
      java.util.Map<String, String> refusingNamespaces) {
    Outcome(Recorded recorded, String reason, int targetNamespaces) {
      this(recorded, reason, targetNamespaces, java.util.Map.of());
    }

    Stage stage() {
      return recorded.stage();
    }
  }

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

  /**
   * Records every outstanding token revoked and, once recorded, deletes the Secret. The caller
   * records {@link Outcome#reason} in status once the stage is past {@link Stage#RECORDING}.
   */
  Outcome revoke(
      ApiToken apiToken,
      Context<ApiToken> context,
      RevocationPolicy.Decision decision,
      Instant now) {
    boolean first = apiToken.getStatus() == null || !apiToken.getStatus().revocationRecorded();
    List<IssueRecord> tokens = outstanding(apiToken, context, now);
    Recorded recorded = record(tokens);
    String reason = reasonText(apiToken, decision);
    Outcome outcome =
        new Outcome(
            recorded, reason, revocations.targetNamespaceCount(), revocations.refusingNamespaces());
    if (recorded.stage() == Stage.RECORDING) {
      return outcome;
    }
    secret.getSecondaryResource(apiToken, context).ifPresent(s -> secret.delete(apiToken, context));
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
   * Deleting an ApiToken revokes its tokens. Once they are recorded and published to every target
   * namespace ({@link Stage#PUBLISHED}), the Secret is gone and the finalizer may go. The
   * revocation outlives the ApiToken until each token's own expiry.
   */
  Recorded cleanup(ApiToken apiToken, Context<ApiToken> context, Instant now) {
    List<IssueRecord> tokens = outstanding(apiToken, context, now);
    Recorded recorded = record(tokens);
    if (recorded.stage() == Stage.PUBLISHING
        && revocations.isPublishedWhereWritable(recorded.indices())) {
      // Stored and published wherever the copy can be written: a namespace refusing its copy
      // (named in the log, the metric and while it lasted the condition) holds up no deletion.
      recorded = new Recorded(Stage.PUBLISHED, recorded.indices(), Optional.empty());
    }
    if (recorded.stage() != Stage.PUBLISHED) {
      return recorded;
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
    return recorded;
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
  Recorded record(List<IssueRecord> tokens) {
    List<Long> indices = tokens.stream().map(IssueRecord::index).toList();
    CompletableFuture<Void> written = revocations.record(tokens);
    try {
      written.get(RECORD_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return new Recorded(Stage.RECORDING, indices, revocations.failure(indices));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Recorded(Stage.RECORDING, indices, Optional.empty());
    }
    return new Recorded(
        revocations.isPublished(indices) ? Stage.PUBLISHED : Stage.PUBLISHING,
        indices,
        Optional.empty());
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
