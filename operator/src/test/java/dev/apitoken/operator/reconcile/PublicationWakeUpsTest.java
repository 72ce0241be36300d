package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.testing.ApiTokens;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An ApiToken waiting for its revocation to be published is woken once, when it is. */
class PublicationWakeUpsTest {
  private final Set<Long> published = ConcurrentHashMap.newKeySet();
  private final List<ResourceID> woken = new CopyOnWriteArrayList<>();
  private final PublicationWakeUps wakeUps =
      new PublicationWakeUps(indices -> published.containsAll(indices));
  private final ApiToken leaked = ApiTokens.named("leaked").in("apps").build();
  private final ApiToken other = ApiTokens.named("other").in("apps").build();

  @BeforeEach
  void startEventSource() {
    wakeUps.eventSource().setEventHandler(event -> woken.add(event.getRelatedCustomResourceID()));
    wakeUps.eventSource().start();
  }

  @Test
  void aRoundThatPublishesEveryIndexWakesTheApiTokenOnce() {
    wakeUps.await(leaked, List.of(3L, 4L));
    wakeUps.await(other, List.of(9L));

    published.add(3L);
    wakeUps.published();
    assertThat(woken).as("index 4 not yet on every copy").isEmpty();

    published.add(4L);
    wakeUps.published();
    wakeUps.published();
    assertThat(woken).containsExactly(ResourceID.fromResource(leaked));
  }

  @Test
  void aRoundCompletedBeforeTheApiTokenWaitedStillWakesIt() {
    published.addAll(List.of(3L, 4L));
    wakeUps.published();

    wakeUps.await(leaked, List.of(3L, 4L));

    assertThat(woken).containsExactly(ResourceID.fromResource(leaked));
  }
}
