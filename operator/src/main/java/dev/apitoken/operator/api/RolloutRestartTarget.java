package dev.apitoken.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A workload to restart, like {@code kubectl rollout restart}, after the token is reissued. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutRestartTarget {
  public static final String DEPLOYMENT = "Deployment";
  public static final String STATEFUL_SET = "StatefulSet";
  public static final String DAEMON_SET = "DaemonSet";

  /** The kinds that can be restarted; a string, so a bad value sent past admission is reported. */
  public static final String KIND_PATTERN = "^(Deployment|StatefulSet|DaemonSet)$";

  @Required
  @Pattern(KIND_PATTERN)
  @JsonPropertyDescription("The workload's kind: Deployment, StatefulSet or DaemonSet.")
  private String kind;

  @Required
  @Size(min = 1, max = ApiTokenSpec.MAX_SECRET_NAME_LENGTH)
  @Pattern(ApiTokenSpec.SECRET_NAME_PATTERN)
  @JsonPropertyDescription("The workload's name, in the ApiToken's namespace.")
  private String name;

  public RolloutRestartTarget() {}

  public RolloutRestartTarget(String kind, String name) {
    this.kind = kind;
    this.name = name;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RolloutRestartTarget that
        && Objects.equals(kind, that.kind)
        && Objects.equals(name, that.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name);
  }
}
