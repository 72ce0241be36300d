package dev.apitoken.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** What happens to a token once a newer one replaces it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Rotation {
  @Size(max = ApiTokenSpec.MAX_DURATION_LENGTH)
  @Pattern(ApiTokenSpec.DURATION_PATTERN)
  @JsonPropertyDescription(
      "Revoke a token this long after a newer one was written to the Secret (a scheduled"
          + " renewal, a renew request or a spec change), e.g. '10m': long enough for every"
          + " consumer to read the new Secret (the kubelet takes up to 60-90 s). Unset: a"
          + " replaced token stays valid until its own expiry.")
  private String previousTokenGracePeriod;

  public String getPreviousTokenGracePeriod() {
    return previousTokenGracePeriod;
  }

  public void setPreviousTokenGracePeriod(String previousTokenGracePeriod) {
    this.previousTokenGracePeriod = previousTokenGracePeriod;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rotation that
        && Objects.equals(previousTokenGracePeriod, that.previousTokenGracePeriod);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(previousTokenGracePeriod);
  }
}
