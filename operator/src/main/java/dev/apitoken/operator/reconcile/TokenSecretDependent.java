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
import java.util.Set;
import java.util.TreeSet;

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
                actual.getMetadata().getAnnotations(), desired.getMetadata().getAnnotations())
            && withoutDroppedTemplateKeys(actual, desired) == actual;
    return Matcher.Result.computed(matches, desired);
  }

  /**
   * JOSDK's update merges labels and annotations into the actual Secret, which keeps a key removed
   * from the template forever; this removes the keys the template put there and no longer holds.
   */
  @Override
  public Secret update(Secret actual, Secret desired, ApiToken primary, Context<ApiToken> context) {
    return super.update(withoutDroppedTemplateKeys(actual, desired), desired, primary, context);
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
    Map<String, String> own = new LinkedHashMap<>(Labels.managed(COMPONENT));
    own.put(Labels.API_TOKEN_NAME, KubernetesNames.labelValue(primary.getMetadata().getName()));
    Map<String, String> ownAnnotations = new LinkedHashMap<>();
    ownAnnotations.put(Labels.ANNOTATION_JTI, plan.token().claims().jti());
    ownAnnotations.put(Labels.ANNOTATION_EXPIRES_AT, plan.token().claims().expiresAt().toString());
    ownAnnotations.put(Labels.ANNOTATION_KEY_ID, plan.token().kid());
    recordKeys(ownAnnotations, Labels.ANNOTATION_TEMPLATE_LABELS, labels.keySet(), own.keySet());
    recordKeys(
        ownAnnotations,
        Labels.ANNOTATION_TEMPLATE_ANNOTATIONS,
        annotations.keySet(),
        ownAnnotations.keySet());
    labels.putAll(own);
    annotations.putAll(ownAnnotations);
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
   * Records under {@code annotation} the template's keys the operator does not set itself; nothing
   * when there are none.
   */
  private static void recordKeys(
      Map<String, String> ownAnnotations,
      String annotation,
      Set<String> templateKeys,
      Set<String> ownKeys) {
    Set<String> recorded = new TreeSet<>(templateKeys);
    recorded.removeAll(ownKeys);
    recorded.removeAll(
        Set.of(Labels.ANNOTATION_TEMPLATE_LABELS, Labels.ANNOTATION_TEMPLATE_ANNOTATIONS));
    if (!recorded.isEmpty()) {
      ownAnnotations.put(annotation, String.join(",", recorded));
    }
  }

  /**
   * {@code actual} without the labels and annotations its last template put there and the desired
   * one no longer holds; {@code actual} itself when there are none.
   */
  private static Secret withoutDroppedTemplateKeys(Secret actual, Secret desired) {
    Map<String, String> labels = new LinkedHashMap<>(orEmpty(actual.getMetadata().getLabels()));
    Map<String, String> annotations =
        new LinkedHashMap<>(orEmpty(actual.getMetadata().getAnnotations()));
    Map<String, String> wanted = orEmpty(desired.getMetadata().getAnnotations());
    boolean dropped =
        dropKeys(labels, annotations, wanted, Labels.ANNOTATION_TEMPLATE_LABELS)
            | dropKeys(annotations, annotations, wanted, Labels.ANNOTATION_TEMPLATE_ANNOTATIONS);
    if (!dropped) {
      return actual;
    }
    return new SecretBuilder(actual)
        .editMetadata()
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .build();
  }

  /**
   * Removes from {@code target} the keys recorded in the actual annotation {@code record} that the
   * desired record no longer lists, and the record itself when the desired one has none.
   */
  private static boolean dropKeys(
      Map<String, String> target,
      Map<String, String> actualAnnotations,
      Map<String, String> desiredAnnotations,
      String record) {
    String recorded = actualAnnotations.get(record);
    if (recorded == null) {
      return false;
    }
    String kept = desiredAnnotations.get(record);
    Set<String> stillOwned = kept == null ? Set.of() : Set.of(kept.split(","));
    boolean dropped = false;
    for (String key : recorded.split(",")) {
      if (!stillOwned.contains(key)) {
        dropped |= target.remove(key) != null;
      }
    }
    if (kept == null) {
      dropped |= actualAnnotations.remove(record) != null;
    }
    return dropped;
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
