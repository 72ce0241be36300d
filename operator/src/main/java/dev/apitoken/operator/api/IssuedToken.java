package dev.apitoken.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A token issued for an ApiToken, by reference only: enough to revoke it, never its value. */
public class IssuedToken {
  @JsonPropertyDescription("The token's id (JWT `jti`).")
  private String jti;

  @JsonPropertyDescription("The token's index in the status list (`status.status_list.idx`).")
  private Long index;

  @JsonPropertyDescription("When the token expires (RFC 3339).")
  private String expiresAt;

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

  @Override
  public boolean equals(Object o) {
    return o instanceof IssuedToken that
        && Objects.equals(jti, that.jti)
        && Objects.equals(index, that.index)
        && Objects.equals(expiresAt, that.expiresAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(jti, index, expiresAt);
  }
}
