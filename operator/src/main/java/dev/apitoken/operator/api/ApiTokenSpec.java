package dev.apitoken.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the token says (its claims), how long it lives, and where it is stored. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.renewBefore) || !has(self.ttl) || duration(self.ttl) -"
            + " duration(self.renewBefore) >= duration('"
            + ApiTokenSpec.MINIMUM_RENEWAL_INTERVAL
            + "')",
    message =
        "renewBefore must be at least "
            + ApiTokenSpec.MINIMUM_RENEWAL_INTERVAL
            + " shorter than ttl, so that renewals are at least "
            + ApiTokenSpec.MINIMUM_RENEWAL_INTERVAL
            + " apart, e.g. ttl: 720h with renewBefore: 168h",
    reason = "FieldValueInvalid")
@ValidationRule(
    value = "!has(self.ttl) || duration(self.ttl) >= duration('" + ApiTokenSpec.MINIMUM_TTL + "')",
    message =
        "ttl must be at least "
            + ApiTokenSpec.MINIMUM_TTL
            + " (tokens are renewed at most every "
            + ApiTokenSpec.MINIMUM_RENEWAL_INTERVAL
            + "), e.g. 720h",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "has(oldSelf.secretName) == has(self.secretName) && (!has(self.secretName) ||"
            + " self.secretName == oldSelf.secretName)",
    message =
        "secretName cannot be added, changed or removed after creation: create a new ApiToken"
            + " to store a token under another Secret name",
    reason = "FieldValueForbidden")
@ValidationRule(
    value = "!has(oldSelf.revoked) || !oldSelf.revoked || (has(self.revoked) && self.revoked)",
    message =
        "revoked cannot be set back to false: a revoked token stays revoked; create a new"
            + " ApiToken to get a new token",
    reason = "FieldValueForbidden")
@ValidationRule(
    value = "!has(self.revokeIssuedBeforeGracePeriod) || has(self.revokeIssuedBefore)",
    message =
        "revokeIssuedBeforeGracePeriod needs revokeIssuedBefore: set revokeIssuedBefore to the"
            + " time before which tokens are revoked, e.g. now",
    reason = "FieldValueRequired")
public class ApiTokenSpec {
  /**
   * Renewals of one ApiToken's token are at least this far apart ({@code ttl - renewBefore}). Each
   * issue spends a status-list index and a Secret write, and workloads only see a new Secret after
   * the kubelet's refresh (60-90 s): renewing faster than a few refresh periods issues tokens no
   * workload ever reads. Must equal {@code ReissuePolicy.MINIMUM_RENEWAL_INTERVAL}.
   */
  public static final String MINIMUM_RENEWAL_INTERVAL = "5m";

  /** The shortest ttl: a token cannot be renewed more often than it lives. */
  public static final String MINIMUM_TTL = MINIMUM_RENEWAL_INTERVAL;

  // Limits on what a spec can put into a token. Together they keep the largest token the CRD
  // admits under the verifier's default limit of 8 KiB (TokenSize; CrdTokenSizeTest proves it),
  // so no valid spec can produce a token that its own verifiers refuse.
  public static final int MAX_SUBJECT_LENGTH = 256;
  public static final int MAX_AUDIENCES = 16;
  public static final int MAX_AUDIENCE_LENGTH = 128;
  public static final int MAX_SCOPES = 32;
  public static final int MAX_SCOPE_LENGTH = 64;

  public static final int MAX_DURATION_LENGTH = 32;
  public static final int MAX_SECRET_NAME_LENGTH = 253;
  public static final int MAX_REVOKE_AT_LENGTH = 64;
  public static final int MAX_REVOCATION_REASON_LENGTH = 256;
  public static final int MAX_ROLLOUT_RESTART_TARGETS = 20;

  /** Go-style duration made of hours, minutes and seconds, as Kubernetes CEL understands it. */
  public static final String DURATION_PATTERN = "^([0-9]+(h|m|s))+$";

  /** RFC 1123 DNS subdomain, the rule for Secret names. */
  public static final String SECRET_NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** An OAuth 2.0 scope token (RFC 6749 section 3.3): printable ASCII without space, " or \. */
  public static final String SCOPE_PATTERN = "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$";

  /** An RFC 3339 timestamp such as 2026-03-01T00:00:00Z. */
  public static final String RFC3339_PATTERN =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

  /**
   * A non-empty string without leading or trailing whitespace and without control, format
   * (bidirectional overrides), surrogate or line/paragraph separator characters: they would be
   * escaped to six bytes each in the token, can forge lines in logs and disguise a name.
   */
  public static final String TRIMMED_PATTERN =
      "^[^\\s\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}]"
          + "([^\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}]*[^\\s\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}])?$";

  /**
   * An audience: printable ASCII without space, " or \\, like a URI or a service name. One byte
   * each in the token, which is what lets 16 audiences of 128 characters fit the size limit.
   */
  public static final String AUDIENCE_PATTERN = SCOPE_PATTERN;

  @Required
  @Size(min = 1, max = MAX_SUBJECT_LENGTH)
  @Pattern(TRIMMED_PATTERN)
  @JsonPropertyDescription(
      "Who the token identifies: the JWT `sub` claim, e.g. a service name such as"
          + " 'payments-api'. Required, 1-256 characters, no leading or trailing spaces, no"
          + " control or invisible formatting characters.")
  private String subject;

  @Size(max = MAX_AUDIENCES)
  @JsonPropertyDescription(
      "Who the token is for: the JWT `aud` claim. Verifiers accept the token only if it names"
          + " them. Up to 16 entries of 1-128 printable ASCII characters without spaces, quotes"
          + " or backslashes, e.g. 'https://orders.example.com'.")
  private List<@Size(min = 1, max = MAX_AUDIENCE_LENGTH) @Pattern(AUDIENCE_PATTERN) String>
      audiences = new ArrayList<>();

  @Size(max = MAX_SCOPES)
  @JsonPropertyDescription(
      "What the token allows: the OAuth `scope` claim, written space-separated in the token."
          + " Each entry is one scope without spaces, e.g. 'orders:read'. Up to 32 entries of"
          + " 1-64 characters.")
  private List<@Size(min = 1, max = MAX_SCOPE_LENGTH) @Pattern(SCOPE_PATTERN) String> scopes =
      new ArrayList<>();

  @Size(max = MAX_DURATION_LENGTH)
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription(
      "How long each issued token is valid, as a duration in hours, minutes and seconds such"
          + " as '720h' or '1h30m'. At least 5m. Defaults to the operator's default TTL and may"
          + " not exceed the operator's maximum TTL. Every token expires.")
  private String ttl;

  @Size(max = MAX_DURATION_LENGTH)
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription(
      "Reissue the token this long before it expires, e.g. '168h'. Must be at least 5m shorter"
          + " than ttl, so that renewals are at least 5m apart. Defaults to a third of the ttl"
          + " (less when that would renew more often than every 5m). The previous token stays"
          + " valid until its own expiry.")
  private String renewBefore;

  @Size(min = 1, max = MAX_SECRET_NAME_LENGTH)
  @Pattern(SECRET_NAME_PATTERN)
  @JsonPropertyDescription(
      "Name of the Secret (in this namespace) that receives the token under the key 'token'."
          + " Defaults to '<ApiToken name>-token'. Immutable once set.")
  private String secretName;

  @JsonPropertyDescription(
      "Labels and annotations to put on the generated Secret. Changing them updates the"
          + " Secret without issuing a new token.")
  private SecretTemplate secretTemplate;

  @JsonPropertyDescription(
      "Set to true to revoke every unexpired token issued for this ApiToken, the current one and"
          + " any previous ones: they are added to the published status list and the Secret is"
          + " deleted. Final: it cannot be set back to false.")
  private Boolean revoked;

  @Size(max = MAX_REVOKE_AT_LENGTH)
  @Pattern(RFC3339_PATTERN)
  @JsonPropertyDescription(
      "Revoke the token at this time (RFC 3339, e.g. '2026-03-01T00:00:00Z'): it stays valid"
          + " until then and is revoked exactly as by 'revoked: true' when the time comes.")
  private String revokeAt;

  @Size(max = MAX_REVOCATION_REASON_LENGTH)
  @JsonPropertyDescription(
      "Why the token was revoked, for people and the audit log (e.g. 'key leaked in CI logs').")
  private String revocationReason;

  @Size(max = MAX_REVOKE_AT_LENGTH)
  @Pattern(RFC3339_PATTERN)
  @JsonPropertyDescription(
      "Revoke every token of this ApiToken issued before this time (RFC 3339) and issue a fresh"
          + " one; the ApiToken stays in use. For a leaked token: set it to now. A time in the"
          + " future waits until then. Done when status.revokedIssuedBefore shows it.")
  private String revokeIssuedBefore;

  @Size(max = MAX_DURATION_LENGTH)
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription(
      "With revokeIssuedBefore: revoke the old tokens only this long after the fresh token was"
          + " written (or after revokeIssuedBefore, whichever is later), e.g. '10m', so that"
          + " consumers read the new Secret first. Unset: revoked at once.")
  private String revokeIssuedBeforeGracePeriod;

  @JsonPropertyDescription("What happens to a token once a newer one replaces it.")
  private Rotation rotation;

  @Size(max = MAX_ROLLOUT_RESTART_TARGETS)
  @JsonPropertyDescription(
      "Workloads in this namespace to restart, as 'kubectl rollout restart' does, once after"
          + " each new token was written to the Secret (not on the first token, not on"
          + " revocation): for Pods that read the token from environment variables, which"
          + " never change while a Pod runs. Up to 20, e.g. [{kind: Deployment, name: orders}].")
  private List<RolloutRestartTarget> rolloutRestart = new ArrayList<>();

  public String getSubject() {
    return subject;
  }

  public void setSubject(String subject) {
    this.subject = subject;
  }

  public List<String> getAudiences() {
    return audiences;
  }

  public void setAudiences(List<String> audiences) {
    this.audiences = audiences == null ? new ArrayList<>() : audiences;
  }

  public List<String> getScopes() {
    return scopes;
  }

  public void setScopes(List<String> scopes) {
    this.scopes = scopes == null ? new ArrayList<>() : scopes;
  }

  public String getTtl() {
    return ttl;
  }

  public void setTtl(String ttl) {
    this.ttl = ttl;
  }

  public String getRenewBefore() {
    return renewBefore;
  }

  public void setRenewBefore(String renewBefore) {
    this.renewBefore = renewBefore;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public SecretTemplate getSecretTemplate() {
    return secretTemplate;
  }

  public void setSecretTemplate(SecretTemplate secretTemplate) {
    this.secretTemplate = secretTemplate;
  }

  public Boolean getRevoked() {
    return revoked;
  }

  public void setRevoked(Boolean revoked) {
    this.revoked = revoked;
  }

  public String getRevokeAt() {
    return revokeAt;
  }

  public void setRevokeAt(String revokeAt) {
    this.revokeAt = revokeAt;
  }

  public String getRevocationReason() {
    return revocationReason;
  }

  public void setRevocationReason(String revocationReason) {
    this.revocationReason = revocationReason;
  }

  public String getRevokeIssuedBefore() {
    return revokeIssuedBefore;
  }

  public void setRevokeIssuedBefore(String revokeIssuedBefore) {
    this.revokeIssuedBefore = revokeIssuedBefore;
  }

  public String getRevokeIssuedBeforeGracePeriod() {
    return revokeIssuedBeforeGracePeriod;
  }

  public void setRevokeIssuedBeforeGracePeriod(String revokeIssuedBeforeGracePeriod) {
    this.revokeIssuedBeforeGracePeriod = revokeIssuedBeforeGracePeriod;
  }

  public Rotation getRotation() {
    return rotation;
  }

  public void setRotation(Rotation rotation) {
    this.rotation = rotation;
  }

  public List<RolloutRestartTarget> getRolloutRestart() {
    return rolloutRestart;
  }

  public void setRolloutRestart(List<RolloutRestartTarget> rolloutRestart) {
    this.rolloutRestart = rolloutRestart == null ? new ArrayList<>() : rolloutRestart;
  }

  public boolean revocationRequested() {
    return Boolean.TRUE.equals(revoked);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiTokenSpec that
        && Objects.equals(subject, that.subject)
        && Objects.equals(audiences, that.audiences)
        && Objects.equals(scopes, that.scopes)
        && Objects.equals(ttl, that.ttl)
        && Objects.equals(renewBefore, that.renewBefore)
        && Objects.equals(secretName, that.secretName)
        && Objects.equals(secretTemplate, that.secretTemplate)
        && Objects.equals(revoked, that.revoked)
        && Objects.equals(revokeAt, that.revokeAt)
        && Objects.equals(revocationReason, that.revocationReason)
        && Objects.equals(revokeIssuedBefore, that.revokeIssuedBefore)
        && Objects.equals(revokeIssuedBeforeGracePeriod, that.revokeIssuedBeforeGracePeriod)
        && Objects.equals(rotation, that.rotation)
        && Objects.equals(rolloutRestart, that.rolloutRestart);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        subject,
        audiences,
        scopes,
        ttl,
        renewBefore,
        secretName,
        secretTemplate,
        revoked,
        revokeAt,
        revocationReason,
        revokeIssuedBefore,
        revokeIssuedBeforeGracePeriod,
        rotation,
        rolloutRestart);
  }
}
