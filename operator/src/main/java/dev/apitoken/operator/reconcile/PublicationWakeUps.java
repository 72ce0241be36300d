package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Wakes an ApiToken whose revocation is stored but not yet published as soon as a publish round has
 * written its indices to every target namespace, so RevocationPublished turns True (and a deleted
 * ApiToken loses its finalizer) right after the round, not at the next poll.
 */
final class PublicationWakeUps {
  private final Predicate<Collection<Long>> publishedEverywhere;
  private final SimpleInboundEventSource<ApiToken> wakeUps =
      new SimpleInboundEventSource<>("revocation-published");
  private final Map<ResourceID, List<Long>> waiting = new ConcurrentHashMap<>();

  /**
   * @param publishedEverywhere whether every index is revoked in the copies of every target
   *     namespace
   */
  PublicationWakeUps(Predicate<Collection<Long>> publishedEverywhere) {
    this.publishedEverywhere = publishedEverywhere;
  }

  /** Wakes {@code apiToken} once the revocation of these indices is published everywhere. */
  void await(ApiToken apiToken, Collection<Long> indices) {
    ResourceID id = ResourceID.fromResource(apiToken);
    waiting.put(id, List.copyOf(indices));
    // Registered before looking again, so a round completing in between still wakes it.
    wakeIfPublished(id);
  }

  /** Called after every complete publish round. */
  void published() {
    waiting.keySet().forEach(this::wakeIfPublished);
  }

  private void wakeIfPublished(ResourceID id) {
    List<Long> indices = waiting.get(id);
    if (indices != null
        && publishedEverywhere.test(indices)
        && waiting.remove(id, indices)
        && wakeUps.isRunning()) {
      wakeUps.propagateEvent(id);
    }
  }

  SimpleInboundEventSource<ApiToken> eventSource() {
    return wakeUps;
  }
}
