package dev.apitoken.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A workload in the ApiToken's namespace whose Pods use its token Secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Consumer {
  @JsonPropertyDescription(
      "The workload's kind: Deployment, StatefulSet, DaemonSet, CronJob, Job, or Pod for a Pod"
          + " no controller owns (or another controller's kind).")
  private String kind;

  @JsonPropertyDescription("The workload's name, in the ApiToken's namespace.")
  private String name;

  public Consumer() {}

  public Consumer(String kind, String name) {
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
    return o instanceof Consumer that
        && Objects.equals(kind, that.kind)
        && Objects.equals(name, that.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name);
  }

  @Override
  public String toString() {
    return kind + " " + name;
  }
}
