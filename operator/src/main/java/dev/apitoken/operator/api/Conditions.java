package dev.apitoken.operator.api;

/** Condition types and reasons an ApiToken reports, each documented where it is defined. */
public final class Conditions {
  private Conditions() {}

  /**
   * Ready is True when the Secret holds a valid, unexpired token that matches the spec. False says
   * why not (invalid spec, failure to issue, waiting to issue, revoked). The operator never sets it
   * Unknown: the first token is issued within the reconcile that first sees the ApiToken, and a
   * first token that has to wait says why with a False reason.
   */
  public static final String READY = "Ready";

  /**
   * Revoked is True once every token of the ApiToken is on the revocation ledger (by spec.revoked,
   * spec.revokeAt or deletion). It never goes back to False. False with reason Scheduled while a
   * spec.revokeAt lies ahead.
   */
  public static final String REVOKED = "Revoked";

  /**
   * RevocationPublished is True when the revocation has been written to the trust ConfigMap in
   * every target namespace; workloads see it once the kubelet refreshes their mounted copy.
   */
  public static final String REVOCATION_PUBLISHED = "RevocationPublished";

  /**
   * PreviousTokensRevoked reports spec.revokeIssuedBefore: False with reason Scheduled (the message
   * says when) while the old tokens wait for their grace period or for the fresh token; True with
   * reason Revoked once every token issued before that time is revoked.
   */
  public static final String PREVIOUS_TOKENS_REVOKED = "PreviousTokensRevoked";

  /**
   * kstatus: Reconciling is True while the operator is issuing, revoking or publishing, or waits
   * for something it will do itself (a signing key being published, its turn to reissue); False
   * once the ApiToken has settled.
   */
  public static final String RECONCILING = "Reconciling";

  /**
   * kstatus: Stalled is True when the operator cannot make progress without a change from a person:
   * an invalid spec, a Secret name taken by another Secret. The reason and message say what to fix.
   */
  public static final String STALLED = "Stalled";

  public static final String TRUE = "True";
  public static final String FALSE = "False";

  /**
   * A condition status this operator never writes; tools reading ApiTokens (health checks) still
   * accept it, as Kubernetes allows it for every condition.
   */
  public static final String UNKNOWN = "Unknown";

  /**
   * Ready=True: the token in the Secret is current (first issued, reissued or renewed alike; the
   * Event and the audit log say which).
   */
  public static final String REASON_ISSUED = "Issued";

  /**
   * Ready=False and Stalled=True: the Secret name is taken by a Secret this operator does not
   * manage; the message says to set spec.secretName or delete that Secret.
   */
  public static final String REASON_SECRET_CONFLICT = "SecretConflict";

  /**
   * Ready=False and Stalled=True: the spec cannot be issued as written; the message names the field
   * to fix.
   */
  public static final String REASON_INVALID_SPEC = "InvalidSpec";

  /**
   * Revoked=True: revoked through spec.revoked. Ready=False: the ApiToken is revoked or being
   * revoked (whatever the cause). PreviousTokensRevoked=True: every token issued before
   * spec.revokeIssuedBefore is revoked.
   */
  public static final String REASON_REVOKED = "Revoked";

  /** Revoked=True: revoked because spec.revokeAt was reached. */
  public static final String REASON_REVOKED_ON_SCHEDULE = "RevokedOnSchedule";

  /** Revoked=True: spec.revoked was set back to false, but revocation is final. */
  public static final String REASON_REVOCATION_FINAL = "RevocationFinal";

  /**
   * Revoked=False: spec.revokeAt lies in the future. PreviousTokensRevoked=False: the tokens issued
   * before spec.revokeIssuedBefore wait for that time, or for its grace period.
   */
  public static final String REASON_SCHEDULED = "Scheduled";

  /** Reconciling=True: a token is being issued or waits to be issued. */
  public static final String REASON_ISSUING = "Issuing";

  /** Reconciling=True: tokens are being revoked (recorded or published). */
  public static final String REASON_REVOKING = "Revoking";

  /** Reconciling=False and Stalled=False: the ApiToken has settled. */
  public static final String REASON_SETTLED = "Settled";

  /** RevocationPublished=True: in the trust ConfigMap of every target namespace. */
  public static final String REASON_PUBLISHED = "Published";

  /** RevocationPublished=False: recorded, being written to the target namespaces. */
  public static final String REASON_PUBLISHING = "Publishing";

  /**
   * Revoked=False (or PreviousTokensRevoked=False): the revocation is being stored (a write is
   * pending or failed); retried.
   */
  public static final String REASON_RECORDING = "Recording";

  /**
   * Revoked=False: the API server refuses to store the revocation state (object too large, quota);
   * retried with backoff. The message names the object and the answer.
   */
  public static final String REASON_REVOCATION_STORE_REFUSED = "RevocationStoreRefused";

  /**
   * Ready=False: the token in the Secret was signed by a key that is no longer in the signing key
   * ring (the key ring was lost), so verifiers reject it. A new token is issued shortly; such
   * reissues are rate-limited ({@code --key-loss-reissue-limit} per {@code
   * --key-loss-reissue-interval}), so with many ApiTokens some wait their turn.
   */
  public static final String REASON_SIGNING_KEY_GONE = "SigningKeyGone";

  /**
   * Ready=False: a token must be issued, but the signing key is not yet in the trust ConfigMap of
   * every target namespace; issuing resumes as soon as it is, so no verifier meets an unknown key.
   */
  public static final String REASON_SIGNING_KEY_NOT_PUBLISHED = "SigningKeyNotPublished";

  /**
   * Ready=False: issuing failed (for example the API server refused the Secret); retried with
   * backoff. The message names the failure: the API's code and reason and the object concerned.
   */
  public static final String REASON_ISSUE_FAILED = "IssueFailed";

  /**
   * Ready=False: recording or publishing a revocation (spec.revoked, spec.revokeAt or deletion)
   * failed; retried with backoff. The message names the failure as for IssueFailed.
   */
  public static final String REASON_REVOCATION_FAILED = "RevocationFailed";

  /**
   * Ready=False: a new token is due, but this ApiToken was issued too many tokens recently (a
   * reissue loop); the message says when the next one is issued.
   */
  public static final String REASON_ISSUANCE_THROTTLED = "IssuanceThrottled";
}
