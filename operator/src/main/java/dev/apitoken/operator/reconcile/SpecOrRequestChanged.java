package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of an ApiToken wake its reconciler: what generation-aware processing lets through
 * (spec changes, deletion, finalizers), plus a new renew request. The request is an annotation, so
 * it changes no generation, and JOSDK's generation filter would drop it until the next resync.
 * Status writes still wake nothing.
 */
public final class SpecOrRequestChanged implements OnUpdateFilter<ApiToken> {
  @Override
  public boolean accept(ApiToken updated, ApiToken previous) {
    return !Objects.equals(
            updated.getMetadata().getGeneration(), previous.getMetadata().getGeneration())
        || updated.isMarkedForDeletion()
        || !Objects.equals(
            updated.getMetadata().getFinalizers(), previous.getMetadata().getFinalizers())
        || !Objects.equals(renewRequest(updated), renewRequest(previous));
  }

  private static String renewRequest(ApiToken apiToken) {
    Map<String, String> annotations = apiToken.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ReissueRequests.RENEW_ANNOTATION);
  }
}
