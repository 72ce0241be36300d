package dev.apitoken.operator.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.operator.store.Scheduling;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issuance waits for its block to be announced, and hears at once when a later round fails. */
class ReservationBarrierTest {
  private final ReservationBarrier barrier = new ReservationBarrier();

  @Test
  void aWaitEndsWhenTheRoundItAskedForPublishesTheMark() {
    long[] asked = new long[1];
    await(
        2048,
        Duration.ofSeconds(5),
        () -> {
          asked[0] = barrier.roundStarted();
          barrier.published(1024); // not enough yet
          barrier.published(4096);
        });
    assertThat(asked[0]).isEqualTo(1);
  }

  @Test
  void aMarkPublishedBeforeTheWaitEndsItAtOnce() {
    barrier.published(4096);
    await(4096, Duration.ofMillis(1), () -> {});
  }

  @Test
  void aRoundBegunAfterTheWaitThatFailsEndsItWithTheRoundsReason() {
    assertThatThrownBy(
            () ->
                await(
                    2048,
                    Duration.ofSeconds(30),
                    () ->
                        barrier.failed(
                            barrier.roundStarted(),
                            "writing ConfigMap apitoken-trust in namespace apitoken-system failed"
                                + " (HTTP 422)")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("could not be announced")
        .hasMessageContaining("namespace apitoken-system failed (HTTP 422)");
  }

  @Test
  void aRoundBegunBeforeTheWaitThatFailsDoesNotEndItAndTheTimeoutSaysSo() {
    long inFlight = barrier.roundStarted();
    assertThatThrownBy(
            () -> await(2048, Duration.ofMillis(50), () -> barrier.failed(inFlight, "x")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("within 0 s");
    // The failed wait is forgotten: a later mark completes nothing left over.
    barrier.published(4096);
    await(4096, Duration.ofMillis(1), () -> {});
  }

  private void await(long highWater, Duration timeout, Runnable requestRound) {
    barrier.await(highWater, timeout, requestRound, Scheduling.THREADS);
  }
}
