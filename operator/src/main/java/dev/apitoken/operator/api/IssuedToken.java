package dev.apitoken.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A token issued for an ApiToken, by reference only: enough to revoke it, never its value. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IssuedToken {
  @JsonPropertyDescription("The token's id (JWT `jti`).")
  private String jti;

  @JsonPropertyDescription("The token's index in the status list (`status.status_list.idx`).")
  private Long index;

  @JsonPropertyDescription("When the token expires (RFC 3339).")
  private String expiresAt;

  @JsonPropertyDescription(
      "When the token was issued (RFC 3339); decides which tokens spec.revokeIssuedBefore and"
          + " spec.rotation.previousTokenGracePeriod revoke. Absent for tokens listed by an"
          + " operator version that did not record it.")
  private String issuedAt;

  @JsonPropertyDescription(
      "When this token was revoked on its own (spec.revokeIssuedBefore or"
          + " spec.rotation.previousTokenGracePeriod), RFC 3339; absent while it is valid.")
  private String revokedAt;

  public IssuedToken() {}

  public IssuedToken(String jti, long index, String expiresAt) {
    this.jti = jti;
    this.index = index;
    this.expiresAt = expiresAt;
  }

  public String getJti() {
    return jti;
  }

  public void setJti(String jti) {
    this.jti = jti;
  }

  public Long getIndex() {
    return index;
  }

  public void setIndex(Long index) {
    this.index = index;
  }

  public String getExpiresAt() {
    return expiresAt;
  }

  public void setExpiresAt(String expiresAt) {
    this.expiresAt = expiresAt;
  }

  public String getIssuedAt() {
    return issuedAt;
  }

  public void setIssuedAt(String issuedAt) {
    this.issuedAt = issuedAt;
  }

  public String getRevokedAt() {
    return revokedAt;
  }

  public void setRevokedAt(String revokedAt) {
    this.revokedAt = revokedAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IssuedToken that
        && Objects.equals(jti, that.jti)
        && Objects.equals(index, that.index)
        && Objects.equals(expiresAt, that.expiresAt)
        && Objects.equals(issuedAt, that.issuedAt)
        && Objects.equals(revokedAt, that.revokedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(jti, index, expiresAt, issuedAt, revokedAt);
  }
}
