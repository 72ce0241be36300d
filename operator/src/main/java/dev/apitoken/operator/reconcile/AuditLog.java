package dev.apitoken.operator.reconcile;

import static net.logstash.logback.argument.StructuredArguments.keyValue;
import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.runtime.AuditAction;
import net.logstash.logback.argument.StructuredArgument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per token lifecycle event: {@code key=value} pairs in text logs, and the same pairs as
 * fields of their own in JSON logs. It names a token by jti and index, never by value.
 */
public final class AuditLog {
  private static final Logger AUDIT = LoggerFactory.getLogger("audit");

  private AuditLog() {}

  /** One revoked token of {@code apiToken}. */
  public static void revoked(
      AuditAction action, ApiToken apiToken, IssueRecord token, String reason) {
    AUDIT.info(
        "audit {} {} {} {} {} {} {}",
        action.field(),
        kv("namespace", apiToken.getMetadata().getNamespace()),
        kv("name", apiToken.getMetadata().getName()),
        kv("jti", token.jti()),
        kv("index", token.index()),
        kv("expires", token.expiresAt().toString()),
        quoted("reason", reason == null ? "" : reason));
  }

  public static void orphansRevoked(int tokens) {
    AUDIT.info("audit {} {}", AuditAction.REVOKE_ORPHANS.field(), kv("revoked_tokens", tokens));
  }

  public static void deleted(String namespace, String name, int tokens) {
    AUDIT.info(
        "audit {} {} {} {}",
        AuditAction.DELETE.field(),
        kv("namespace", namespace),
        kv("name", name),
        kv("revoked_tokens", tokens));
  }

  public static void issued(
      AuditAction action,
      String namespace,
      String name,
      TokenClaims claims,
      String kid,
      String reason) {
    AUDIT.info(
        "audit {} {} {} {} {} {} {} {} {}",
        action.field(),
        kv("namespace", namespace),
        kv("name", name),
        kv("jti", claims.jti()),
        kv("index", claims.statusIndex()),
        kv("kid", kid),
        quoted("sub", claims.subject()),
        kv("expires", claims.expiresAt().toString()),
        kv("reason", reason));
  }

  /**
   * A free-text value: quoted in text logs, with its own quotes turned into apostrophes so that the
   * line still splits into pairs; the same text in JSON.
   */
  static StructuredArgument quoted(String key, String text) {
    return keyValue(key, text.replace("\"", "'"), "{0}=\"{1}\"");
  }
}
