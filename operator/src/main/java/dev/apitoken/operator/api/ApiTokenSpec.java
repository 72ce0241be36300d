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
        "!has(self.renewBefore) || !has(self.ttl) || duration(self.renewBefore) <"
            + " duration(self.ttl)",
    message = "renewBefore must be shorter than ttl, e.g. ttl: 720h with renewBefore: 168h",
    reason = "FieldValueInvalid")
@ValidationRule(
    value = "!has(self.ttl) || duration(self.ttl) >= duration('60s')",
    message = "ttl must be at least 1m, e.g. 720h",
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
public class ApiTokenSpec {
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

  /** A non-empty string without leading or trailing whitespace. */
  public static final String TRIMMED_PATTERN = "^\\S(.*\\S)?$";

  @Required
  @Size(min = 1, max = 256)
  @Pattern(TRIMMED_PATTERN)
  @JsonPropertyDescription(
      "Who the token identifies: the JWT `sub` claim, e.g. a service name such as"
          + " 'payments-api'. Required, 1-256 characters, no leading or trailing spaces.")
  private String subject;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Who the token is for: the JWT `aud` claim. Verifiers accept the token only if it names"
          + " them. Up to 32 entries.")
  private List<@Size(min = 1, max = 256) @Pattern(TRIMMED_PATTERN) String> audiences =
      new ArrayList<>();

  @Size(max = 64)
  @JsonPropertyDescription(
      "What the token allows: the OAuth `scope` claim, written space-separated in the token."
          + " Each entry is one scope without spaces, e.g. 'orders:read'. Up to 64 entries.")
  private List<@Size(min = 1, max = 128) @Pattern(SCOPE_PATTERN) String> scopes = new ArrayList<>();

  @Size(max = 32)
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription(
      "How long each issued token is valid, as a duration in hours, minutes and seconds such"
          + " as '720h' or '1h30m'. Defaults to the operator's default TTL and may not exceed"
          + " the operator's maximum TTL. Every token expires.")
  private String ttl;

  @Size(max = 32)
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription(
      "Reissue the token this long before it expires, e.g. '168h'. Must be shorter than ttl."
          + " Defaults to a third of the ttl. The previous token stays valid until its own"
          + " expiry.")
  private String renewBefore;

  @Size(min = 1, max = 253)
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

  @Size(max = 64)
  @Pattern(RFC3339_PATTERN)
  @JsonPropertyDescription(
      "Revoke the token at this time (RFC 3339, e.g. '2026-03-01T00:00:00Z'): it stays valid"
          + " until then and is revoked exactly as by 'revoked: true' when the time comes.")
  private String revokeAt;

  @Size(max = 256)
  @JsonPropertyDescription(
      "Why the token was revoked, for people and the audit log (e.g. 'key leaked in CI logs').")
  private String revocationReason;

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
        && Objects.equals(revocationReason, that.revocationReason);
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
        revocationReason);
  }
}
