package dev.apitoken.operator.token;

/**
 * Why a token is or is not (re)issued, in the order {@link ReissuePolicy} checks. The {@link
 * #label()} names it in metrics ({@code apitoken_tokens_issued_total{reason}}) and the audit log;
 * it is not a condition reason (those are all in {@code api.Conditions}: Ready says Issued).
 */
public enum IssueReason {
  /** Status records no issued token yet. */
  FIRST_ISSUE("FirstIssue"),
  /** The token Secret is gone, or holds no token. */
  SECRET_MISSING("SecretMissing"),
  /** The Secret holds a token other than the one last issued (edited or replaced). */
  TOKEN_TAMPERED("TokenTampered"),
  /**
   * The Secret's token names a signing key that is no longer in the key ring (for example the key
   * ring Secret was lost): verifiers reject it. These reissues are rate-limited, since one lost key
   * ring affects every ApiToken at once.
   */
  SIGNING_KEY_GONE("SigningKeyGone"),
  /** The Secret's token does not verify with the key its header names (or names none). */
  UNKNOWN_SIGNING_KEY("UnknownSigningKey"),
  /** Issuer, subject, audiences or scopes in the spec differ from the token's. */
  CLAIMS_CHANGED("ClaimsChanged"),
  /** The spec's ttl differs from the token's lifetime. */
  TTL_CHANGED("TtlChanged"),
  /**
   * The Secret's token is revoked in the operator's stored revocation state although its ApiToken
   * is not revoked (an administrator's edit, a restored Secret): every verifier rejects it, so it
   * is replaced at once with a new index, with a Warning Event.
   */
  REVOKED_IN_STATE("RevokedInState"),
  /** The token has expired. */
  EXPIRED("Expired"),
  /** The token is within {@code renewBefore} of expiring. */
  RENEWAL_DUE("RenewalDue"),
  /**
   * Someone asked for a new token (annotation {@code apitoken.dev/renew-requested-at}) after the
   * current one was issued.
   */
  RENEW_REQUESTED("RenewRequested"),
  /** spec.revokeIssuedBefore names a time after the current token was issued. */
  REVOKE_ISSUED_BEFORE("RevokeIssuedBefore"),
  /** The token matches the spec and is not yet due for renewal. */
  UP_TO_DATE("UpToDate");

  private final String label;

  IssueReason(String label) {
    this.label = label;
  }

  /** The CamelCase name for metrics and the audit log. */
  public String label() {
    return label;
  }

  /** Whether a new token must be signed. */
  public boolean requiresIssue() {
    return this != UP_TO_DATE;
  }
}
