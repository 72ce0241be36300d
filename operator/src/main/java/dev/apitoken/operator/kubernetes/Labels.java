package dev.apitoken.operator.kubernetes;

import java.util.Map;

/** Labels and annotation keys the operator puts on what it creates. */
public final class Labels {
  private Labels() {}

  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_VALUE = "apitoken-operator";
  public static final String COMPONENT = "app.kubernetes.io/component";

  /** Selects only what this operator manages, so informers never cache foreign Secrets. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGED_BY_VALUE;

  /** The ApiToken a token Secret belongs to (name; the namespace is the Secret's own). */
  public static final String API_TOKEN_NAME = "apitoken.dev/name";

  /** Non-secret facts about the token in a Secret, for humans and tooling. */
  public static final String ANNOTATION_JTI = "apitoken.dev/jti";

  public static final String ANNOTATION_EXPIRES_AT = "apitoken.dev/expires-at";
  public static final String ANNOTATION_KEY_ID = "apitoken.dev/key-id";

  /**
   * The label and annotation keys of a token Secret that its ApiToken's {@code secretTemplate} put
   * there (comma-separated), so that a key removed from the template is removed from the Secret.
   */
  public static final String ANNOTATION_TEMPLATE_LABELS = "apitoken.dev/template-labels";

  public static final String ANNOTATION_TEMPLATE_ANNOTATIONS = "apitoken.dev/template-annotations";

  public static Map<String, String> managed(String component) {
    return Map.of(MANAGED_BY, MANAGED_BY_VALUE, COMPONENT, component);
  }
}
