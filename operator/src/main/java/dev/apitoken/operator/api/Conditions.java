package dev.apitoken.operator.api;

/** Condition types and reasons an ApiToken reports, each documented where it is defined. */
public final class Conditions {
  private Conditions() {}

  /**
   * Ready is True when the Secret holds a valid, unexpired token that matches the spec. False says
   * why not (invalid spec, failure to issue, revoked); Unknown while the first token is being
   * issued.
   */
  public static final String READY = "Ready";

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** Ready=True: the token in the Secret is current. */
  public static final String REASON_ISSUED = "Issued";

  /** Ready=False: the spec cannot be issued as written; the message names the field to fix. */
  public static final String REASON_INVALID_SPEC = "InvalidSpec";

  /** Ready=False: issuing failed (for example the API server refused the Secret); retried. */
  public static final String REASON_ISSUE_FAILED = "IssueFailed";
}
