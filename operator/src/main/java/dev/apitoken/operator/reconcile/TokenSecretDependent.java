package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.kubernetes.Labels;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Secret that holds an ApiToken's token under {@link #TOKEN_KEY}. It never decides whether to
 * sign: the reconciler hands it a {@link SecretPlan} holding the token to store (a new one only
 * when a reissue was needed), and this resource makes the Secret match it. Label and annotation
 * changes therefore update the Secret without a new token.
 */
public class TokenSecretDependent extends CRUDKubernetesDependentResource<Secret, ApiToken> {
  /** The documented key of the token in the Secret's data. */
  public static final String TOKEN_KEY = "token";

  public static final String COMPONENT = "token";

  /** Selects only token Secrets, so the informer never caches anyone else's Secrets. */
  public static final String SELECTOR =
      Labels.MANAGED_SELECTOR + "," + Labels.COMPONENT + "=" + COMPONENT;

  /** Argo CD prunes resources that carry its instance label but are not in Git. */
  private static final String ARGOCD_INSTANCE_LABEL = "app.kubernetes.io/instance";

  public TokenSecretDependent() {
    super(Secret.class);
    configureWith(
        new KubernetesDependentResourceConfigBuilder<Secret>()
            .withUseSSA(false)
            .withKubernetesDependentInformerConfig(
                InformerConfiguration.builder(Secret.class)
                    .withName("token-secrets")
                    .withLabelSelector(SELECTOR)
                    .withNamespacesInheritedFromController()
                    .build())
            .build());
  }

  public static String secretName(ApiToken apiToken) {
    String configured = apiToken.getSpec() == null ? null : apiToken.getSpec().getSecretName();
    return configured != null ? configured : apiToken.getMetadata().getName() + "-token";
  }

  /** The token stored in a Secret, if any. */
  public static Optional<String> tokenValue(Secret secret) {
    if (secret == null || secret.getData() == null || secret.getData().get(TOKEN_KEY) == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new String(
              Base64.getDecoder().decode(secret.getData().get(TOKEN_KEY)),
              StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException notBase64) {
      return Optional.empty();
    }
  }

  @Override
  protected ResourceID targetSecondaryResourceID(ApiToken primary, Context<ApiToken> context) {
    return new ResourceID(secretName(primary), primary.getMetadata().getNamespace());
  }

  @Override
  public Matcher.Result<Secret> match(Secret actual, ApiToken primary, Context<ApiToken> context) {
    Secret desired = desired(primary, context);
    boolean matches =
        Objects.equals(actual.getData(), desired.getData())
            && Objects.equals(actual.getType(), desired.getType())
            && holdsAll(actual.getMetadata().getLabels(), desired.getMetadata().getLabels())
            && holdsAll(
                actual.getMetadata().getAnnotations(), desired.getMetadata().getAnnotations());
    return Matcher.Result.computed(matches, desired);
  }

  @Override
  protected Secret desired(ApiToken primary, Context<ApiToken> context) {
    SecretPlan plan = SecretPlan.from(context);
    Map<String, String> labels = new LinkedHashMap<>();
    Map<String, String> annotations = new LinkedHashMap<>();
    var template = primary.getSpec().getSecretTemplate();
    if (template != null) {
      labels.putAll(template.getLabels());
      annotations.putAll(template.getAnnotations());
    }
    labels.remove(ARGOCD_INSTANCE_LABEL);
    labels.putAll(Labels.managed(COMPONENT));
    labels.put(Labels.API_TOKEN_NAME, KubernetesNames.labelValue(primary.getMetadata().getName()));
    annotations.put(Labels.ANNOTATION_JTI, plan.token().claims().jti());
    annotations.put(Labels.ANNOTATION_EXPIRES_AT, plan.token().claims().expiresAt().toString());
    annotations.put(Labels.ANNOTATION_KEY_ID, plan.token().kid());
    return new SecretBuilder()
        .withNewMetadata()
        .withName(secretName(primary))
        .withNamespace(primary.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withType("Opaque")
        .addToData(
            TOKEN_KEY,
            Base64.getEncoder()
                .encodeToString(plan.token().value().getBytes(StandardCharsets.US_ASCII)))
        .build();
  }

  /**
   * Labels and annotations others put on the Secret (a reloader, {@code kubectl annotate}, JOSDK's
   * own) are theirs: they are no difference to correct (an update keeps them anyway: JOSDK merges
   * metadata into the actual Secret), so a Secret that carries them is not written again at every
   * reconciliation.
   */
  private static boolean holdsAll(Map<String, String> actual, Map<String, String> desired) {
    return orEmpty(actual).entrySet().containsAll(orEmpty(desired).entrySet());
  }

  private static Map<String, String> orEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }
}
