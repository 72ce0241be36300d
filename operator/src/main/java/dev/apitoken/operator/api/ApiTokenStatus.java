package dev.apitoken.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator has issued for an ApiToken and whether it is usable. Never the token. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApiTokenStatus {
  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Standard conditions. 'Ready' is True when a valid token is in the Secret; when False,"
          + " its reason and message say what to fix.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Name of the Secret that holds the current token (key 'token').")
  private String secretName;

  @JsonPropertyDescription("The current token's id: its JWT `jti` claim.")
  private String jti;

  @JsonPropertyDescription("The id (`kid`, RFC 7638 thumbprint) of the key that signed it.")
  private String keyId;

  @JsonPropertyDescription(
      "The current token's index in the published status list (`status.status_list.idx`).")
  private Long statusListIndex;

  @JsonPropertyDescription("When the current token was issued (RFC 3339).")
  private String issuedAt;

  @JsonPropertyDescription("When the current token expires (RFC 3339).")
  private String expiresAt;

  @JsonPropertyDescription("When the operator will issue the next token (RFC 3339).")
  private String renewalTime;

  @JsonPropertyDescription(
      "SHA-256 (base64url) of the current token, used to notice a Secret that was edited. A"
          + " hash, never the token.")
  private String tokenHash;

  @JsonPropertyDescription(
      "Every token issued for this ApiToken that has not expired yet, the current one"
          + " included. After a reissue the previous token stays valid until its own expiry"
          + " unless revoked.")
  private List<IssuedToken> tokens = new ArrayList<>();

  @JsonPropertyDescription("When the tokens were revoked (RFC 3339); set once, never cleared.")
  private String revokedAt;

  @JsonPropertyDescription("Why they were revoked, from spec.revocationReason or the operator.")
  private String revocationReason;

  @JsonPropertyDescription(
      "The last annotation apitoken.dev/renew-requested-at the operator acted on (RFC 3339): a"
          + " renew request is carried out once.")
  private String lastRenewRequest;

  @JsonPropertyDescription(
      "The spec.revokeIssuedBefore whose tokens are all revoked (RFC 3339); set once that"
          + " revocation is stored.")
  private String revokedIssuedBefore;

  @JsonPropertyDescription(
      "Workloads whose Pods use the token Secret (as a volume, a projected volume, env or"
          + " envFrom), as found at the last issue, revocation or resync: the Pod's owning"
          + " Deployment, StatefulSet, DaemonSet, CronJob or Job, or the Pod itself. The first 20"
          + " by kind and name; consumerCount has the total. Absent when none was found or when"
          + " the operator may not list Pods in this namespace.")
  private List<Consumer> consumers;

  @JsonPropertyDescription(
      "How many workloads use the token Secret, those beyond the 20 listed in consumers"
          + " included. Absent when the operator may not list Pods in this namespace.")
  private Integer consumerCount;

  @JsonPropertyDescription(
      "The jti of the token for which spec.rolloutRestart was last carried out (or that was"
          + " current when spec.rolloutRestart was set): each new token restarts the targets"
          + " once.")
  private String rolloutRestartedFor;

  public List<Consumer> getConsumers() {
    return consumers;
  }

  public void setConsumers(List<Consumer> consumers) {
    this.consumers = consumers;
  }

  public Integer getConsumerCount() {
    return consumerCount;
  }

  public void setConsumerCount(Integer consumerCount) {
    this.consumerCount = consumerCount;
  }

  public String getRolloutRestartedFor() {
    return rolloutRestartedFor;
  }

  public void setRolloutRestartedFor(String rolloutRestartedFor) {
    this.rolloutRestartedFor = rolloutRestartedFor;
  }

  public String getLastRenewRequest() {
    return lastRenewRequest;
  }

  public void setLastRenewRequest(String lastRenewRequest) {
    this.lastRenewRequest = lastRenewRequest;
  }

  public String getRevokedIssuedBefore() {
    return revokedIssuedBefore;
  }

  public void setRevokedIssuedBefore(String revokedIssuedBefore) {
    this.revokedIssuedBefore = revokedIssuedBefore;
  }

  public String getRevokedAt() {
    return revokedAt;
  }

  public void setRevokedAt(String revokedAt) {
    this.revokedAt = revokedAt;
  }

  public String getRevocationReason() {
    return revocationReason;
  }

  public void setRevocationReason(String revocationReason) {
    this.revocationReason = revocationReason;
  }

  public boolean revocationRecorded() {
    return revokedAt != null;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions == null ? new ArrayList<>() : conditions;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public String getJti() {
    return jti;
  }

  public void setJti(String jti) {
    this.jti = jti;
  }

  public String getKeyId() {
    return keyId;
  }

  public void setKeyId(String keyId) {
    this.keyId = keyId;
  }

  public Long getStatusListIndex() {
    return statusListIndex;
  }

  public void setStatusListIndex(Long statusListIndex) {
    this.statusListIndex = statusListIndex;
  }

  public String getIssuedAt() {
    return issuedAt;
  }

  public void setIssuedAt(String issuedAt) {
    this.issuedAt = issuedAt;
  }

  public String getExpiresAt() {
    return expiresAt;
  }

  public void setExpiresAt(String expiresAt) {
    this.expiresAt = expiresAt;
  }

  public String getRenewalTime() {
    return renewalTime;
  }

  public void setRenewalTime(String renewalTime) {
    this.renewalTime = renewalTime;
  }

  public String getTokenHash() {
    return tokenHash;
  }

  public void setTokenHash(String tokenHash) {
    this.tokenHash = tokenHash;
  }

  public List<IssuedToken> getTokens() {
    return tokens;
  }

  public void setTokens(List<IssuedToken> tokens) {
    this.tokens = tokens == null ? new ArrayList<>() : tokens;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiTokenStatus that
        && Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(secretName, that.secretName)
        && Objects.equals(jti, that.jti)
        && Objects.equals(keyId, that.keyId)
        && Objects.equals(statusListIndex, that.statusListIndex)
        && Objects.equals(issuedAt, that.issuedAt)
        && Objects.equals(expiresAt, that.expiresAt)
        && Objects.equals(renewalTime, that.renewalTime)
        && Objects.equals(tokenHash, that.tokenHash)
        && Objects.equals(tokens, that.tokens)
        && Objects.equals(revokedAt, that.revokedAt)
        && Objects.equals(revocationReason, that.revocationReason)
        && Objects.equals(lastRenewRequest, that.lastRenewRequest)
        && Objects.equals(revokedIssuedBefore, that.revokedIssuedBefore)
        && Objects.equals(consumers, that.consumers)
        && Objects.equals(consumerCount, that.consumerCount)
        && Objects.equals(rolloutRestartedFor, that.rolloutRestartedFor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        conditions,
        secretName,
        jti,
        keyId,
        statusListIndex,
        issuedAt,
        expiresAt,
        renewalTime,
        tokenHash,
        tokens,
        revokedAt,
        revocationReason,
        lastRenewRequest,
        revokedIssuedBefore,
        consumers,
        consumerCount,
        rolloutRestartedFor);
  }
}
