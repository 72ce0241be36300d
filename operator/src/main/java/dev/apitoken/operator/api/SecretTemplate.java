package dev.apitoken.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Metadata copied onto the generated Secret. Bounded so that the Secret the operator writes is
 * always one the API server accepts: an oversized or malformed entry is refused here (and by the
 * operator before it signs a token), not by a 422 on the Secret after a token was spent.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class SecretTemplate {
  public static final int MAX_LABELS = 32;
  public static final int MAX_ANNOTATIONS = 32;

  /** Kubernetes' limit on a label value. */
  public static final int MAX_LABEL_VALUE_LENGTH = 63;

  /**
   * 32 annotations of 4 KiB plus their keys stay well under Kubernetes' 256 KiB limit on all of an
   * object's annotations, leaving room for the operator's own.
   */
  public static final int MAX_ANNOTATION_VALUE_LENGTH = 4096;

  /** A label value: empty, or alphanumerics with '-', '_' and '.' inside. */
  public static final String LABEL_VALUE_PATTERN = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";

  @Size(max = MAX_LABELS)
  @JsonPropertyDescription(
      "Labels to add to the Secret, at most 32. Keys and values follow Kubernetes' label rules"
          + " (values up to 63 characters).")
  private Map<String, @Size(max = MAX_LABEL_VALUE_LENGTH) @Pattern(LABEL_VALUE_PATTERN) String>
      labels = new LinkedHashMap<>();

  @Size(max = MAX_ANNOTATIONS)
  @JsonPropertyDescription(
      "Annotations to add to the Secret, at most 32, each value up to 4096 characters.")
  private Map<String, @Size(max = MAX_ANNOTATION_VALUE_LENGTH) String> annotations =
      new LinkedHashMap<>();

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels == null ? new LinkedHashMap<>() : labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations == null ? new LinkedHashMap<>() : annotations;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SecretTemplate that
        && Objects.equals(labels, that.labels)
        && Objects.equals(annotations, that.annotations);
  }

  @Override
  public int hashCode() {
    return Objects.hash(labels, annotations);
  }
}
