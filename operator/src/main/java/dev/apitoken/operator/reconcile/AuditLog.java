package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.token.TokenClaims;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured line per token lifecycle event, in key=value form that log pipelines parse. It
 * names a token by jti and index, never by value.
 */
public final class AuditLog {
  private static final Logger AUDIT = LoggerFactory.getLogger("audit");

  private AuditLog() {}

  private static void revoked(
      String action,
      String namespace,
      String name,
      String jti,
      long index,
      String expires,
      String reason) {
    AUDIT.info(
        "audit action={} namespace={} name={} jti={} index={} expires={} reason=\"{}\"",
        action,
        namespace,
        name,
        jti,
        index,
        expires,
        reason == null ? "" : reason.replace("\"", "'"));
  }

  /** One revoked token of {@code apiToken}. */
  public static void revoked(
      String action,
      dev.apitoken.operator.api.ApiToken apiToken,
      dev.apitoken.operator.denylist.IssueRecord token,
      String reason) {
    revoked(
        action,
        apiToken.getMetadata().getNamespace(),
        apiToken.getMetadata().getName(),
        token.jti(),
        token.index(),
        token.expiresAt().toString(),
        reason);
  }

  public static void orphansRevoked(int tokens) {
    AUDIT.info("audit action=revoke-orphans revoked_tokens={}", tokens);
  }

  public static void deleted(String namespace, String name, int tokens) {
    AUDIT.info(
        "audit action=delete namespace={} name={} revoked_tokens={}", namespace, name, tokens);
  }

  public static void issued(
      String action, String namespace, String name, TokenClaims claims, String kid, String reason) {
    AUDIT.info(
        "audit action={} namespace={} name={} jti={} index={} kid={} sub=\"{}\" expires={} reason={}",
        action,
        namespace,
        name,
        claims.jti(),
        claims.statusIndex(),
        kid,
        claims.subject().replace("\"", "'"),
        claims.expiresAt(),
        reason);
  }
}
