package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A key signs only once it is in the JWKS of every target namespace, so no verifier meets a token
 * signed by a key it was never shown. ApiTokens that must wait are woken by an event when a publish
 * round completes, not by polling.
 */
public final class SigningKeyGate {
  private final Predicate<String> publishedEverywhere;
  private final SimpleInboundEventSource<ApiToken> wakeUps =
      new SimpleInboundEventSource<>("signing-key-published");
  private final Set<ResourceID> waiting = ConcurrentHashMap.newKeySet();

  /**
   * @param publishedEverywhere whether a kid is in the JWKS written to every target namespace
   */
  public SigningKeyGate(Predicate<String> publishedEverywhere) {
    this.publishedEverywhere = publishedEverywhere;
  }

  /** Always open: for wiring without a publisher. */
  public static SigningKeyGate open() {
    return new SigningKeyGate(kid -> true);
  }

  /**
   * True if {@code kid} may sign now; otherwise {@code apiToken} is woken once a publish round has
   * completed.
   */
  boolean maySign(String kid, ApiToken apiToken) {
    if (publishedEverywhere.test(kid)) {
      return true;
    }
    // Registered before looking again, so a round completing in between still wakes it.
    waiting.add(ResourceID.fromResource(apiToken));
    return publishedEverywhere.test(kid);
  }

  /** Called after every complete publish round. */
  public void published() {
    for (ResourceID id : Set.copyOf(waiting)) {
      waiting.remove(id);
      if (wakeUps.isRunning()) {
        wakeUps.propagateEvent(id);
      }
    }
  }

  /**
   * Wakes ApiTokens at once, e.g. those whose token a revoked key signed: their reissue must not
   * wait for the next resync.
   */
  public void wake(Iterable<ApiToken> apiTokens) {
    if (wakeUps.isRunning()) {
      apiTokens.forEach(t -> wakeUps.propagateEvent(ResourceID.fromResource(t)));
    }
  }

  SimpleInboundEventSource<ApiToken> eventSource() {
    return wakeUps;
  }
}
