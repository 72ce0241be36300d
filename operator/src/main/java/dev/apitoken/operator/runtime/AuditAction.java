package dev.apitoken.operator.runtime;

import static net.logstash.logback.argument.StructuredArguments.kv;

import net.logstash.logback.argument.StructuredArgument;

/**
 * Every {@code action} an audit line (logger {@code audit}) can carry. docs/OBSERVABILITY.md's
 * audit list names each one ({@code AuditActionsDocumentedTest}), so a new action cannot go
 * unmentioned.
 */
public enum AuditAction {
  ISSUE("issue"),
  REISSUE("reissue"),
  RENEW("token_renewed"),
  REVOKE("revoke"),
  REVOKE_PREVIOUS("revoke_previous"),
  REVOKE_ORPHANS("revoke_orphans"),
  DELETE("delete"),
  KEYRING_CREATE("keyring_create"),
  KEYRING_UPDATE("keyring_update"),
  KEYRING_RESTORE("keyring_restore"),
  KEY_REVOKED("key_revoked"),
  REVOKED_KEY_REMOVED("revoked_key_removed");

  private final String text;

  AuditAction(String text) {
    this.text = text;
  }

  /** The value of the {@code action} field. */
  public String text() {
    return text;
  }

  /** {@code action=<text>} in text logs, an {@code action} field in JSON logs. */
  public StructuredArgument field() {
    return kv("action", text);
  }
}
