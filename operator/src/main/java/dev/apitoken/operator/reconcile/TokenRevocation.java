package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.denylist.RevocationPolicy;
import dev.apitoken.operator.denylist.RevokedToken;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.TokenReader;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Revokes an ApiToken's tokens: every outstanding one goes on the ledger first, and only then is
 * the token taken out of its Secret. If anything fails in between, the next attempt starts over, so
 * nothing revoked is ever forgotten.
 */
final class TokenRevocation {
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
   * @return true once the revocation is in the trust ConfigMap of every target namespace
   */
  boolean revoke(
      ApiToken apiToken,
      Context<ApiToken> context,
      StatusAggregator status,
      RevocationPolicy.Decision decision) {
    boolean first = apiToken.getStatus() == null || !apiToken.getStatus().revocationRecorded();
    List<IssuedToken> tokens = recordOutstanding(apiToken, context, status);
    secret.getSecondaryResource(apiToken, context).ifPresent(s -> secret.delete(apiToken, context));

    String reason = reasonText(apiToken, decision);
    status.revoked(decision.at(), reason);
    status.condition(Conditions.REVOKED, Conditions.TRUE, decision.reason(), decision.message());
    status.ready(
        Conditions.FALSE,
        Conditions.REASON_REVOKED,
        "revoked at " + decision.at().truncatedTo(ChronoUnit.SECONDS) + ": " + reason);
    boolean published = isPublished(tokens);
    reportPublication(status, published, tokens.size());
    if (first) {
      metrics.revocationRecorded(tokens.size());
      events.record(
          apiToken,
          EventRecorder.NORMAL,
          Conditions.REASON_REVOKED,
          "Revoked " + tokens.size() + " token(s): " + reason + "; the Secret was deleted");
      tokens.forEach(t -> audit(apiToken, t, reason));
    }
    return published;
  }

  /**
   * Deleting an ApiToken revokes its tokens. @return true once they are on the ledger and published
   * to every target namespace, and the Secret is gone: the finalizer may go. The ledger entry
   * outlives the ApiToken until each token's own expiry.
   */
  boolean cleanup(ApiToken apiToken, Context<ApiToken> context, Instant now) {
    List<IssuedToken> tokens =
        recordOutstanding(apiToken, context, new StatusAggregator(apiToken, now));
    if (!isPublished(tokens)) {
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
   * Puts the outstanding tokens (status, plus a valid token of ours in the Secret) on the ledger.
   */
  private List<IssuedToken> recordOutstanding(
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
    List<IssuedToken> tokens = status.tokens();
    revocations
        .record(
            tokens.stream()
                .map(t -> new RevokedToken(t.getIndex(), Instant.parse(t.getExpiresAt())))
                .toList())
        .join();
    return tokens;
  }

  private boolean isPublished(List<IssuedToken> tokens) {
    return revocations.isPublished(tokens.stream().map(IssuedToken::getIndex).toList());
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

  private static String reasonText(ApiToken apiToken, RevocationPolicy.Decision decision) {
    if (apiToken.getStatus() != null && apiToken.getStatus().getRevocationReason() != null) {
      return apiToken.getStatus().getRevocationReason();
    }
    String given = apiToken.getSpec() == null ? null : apiToken.getSpec().getRevocationReason();
    return given != null && !given.isBlank() ? given : decision.message();
  }

  private static void audit(ApiToken apiToken, IssuedToken token, String reason) {
    AuditLog.revoked(
        "revoke",
        apiToken.getMetadata().getNamespace(),
        apiToken.getMetadata().getName(),
        token.getJti(),
        token.getIndex(),
        token.getExpiresAt(),
        reason);
  }
}
