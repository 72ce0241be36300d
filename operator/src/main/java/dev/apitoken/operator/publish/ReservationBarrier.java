package dev.apitoken.operator.publish;

import dev.apitoken.operator.store.Scheduling;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Issuance waits here until a round has published a reserved-index mark at least as high as the
 * block it is about to hand out; a round begun after the wait that fails ends it at once, with the
 * round's reason (one refused write must not hold every issuance for the whole timeout).
 */
final class ReservationBarrier {
  private record Waiter(long highWater, long roundsBefore, CompletableFuture<Void> done) {}

  private final List<Waiter> waiters = new ArrayList<>();
  private long published = -1;
  private long rounds;

  /** Numbers a new round; failures and publications are told with it. */
  synchronized long roundStarted() {
    return ++rounds;
  }

  /** A round published {@code reserved}: every wait for a mark up to it ends. */
  synchronized void published(long reserved) {
    published = Math.max(published, reserved);
    waiters.removeIf(w -> w.highWater() <= published && w.done().complete(null));
  }

  /** Round {@code round} failed for {@code reason}: every wait begun before it fails. */
  synchronized void failed(long round, String reason) {
    waiters.removeIf(
        w ->
            w.roundsBefore() < round
                && w.done()
                    .completeExceptionally(
                        new IllegalStateException(
                            "the new block of status-list indices could not be announced in the"
                                + " trust ConfigMaps: "
                                + reason
                                + "; no index of it is used")));
  }

  /**
   * A wait for {@code highWater}, begun now: {@code requestRound} asks for the round that ends it.
   */
  private synchronized CompletableFuture<Void> waitFor(long highWater) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (published >= highWater) {
      done.complete(null);
    } else {
      waiters.add(new Waiter(highWater, rounds, done));
    }
    return done;
  }

  private synchronized void forget(CompletableFuture<Void> done) {
    waiters.removeIf(w -> w.done() == done);
  }

  /**
   * Returns once a mark of at least {@code highWater} is published, waiting through {@code
   * scheduling} (the model test's runs the rounds meanwhile).
   *
   * @throws IllegalStateException when a round begun after this call fails (with its reason), or
   *     nothing is published within {@code timeout}
   */
  void await(long highWater, Duration timeout, Runnable requestRound, Scheduling scheduling) {
    CompletableFuture<Void> done = waitFor(highWater);
    requestRound.run();
    try {
      scheduling.await(done, timeout);
    } catch (ExecutionException failed) {
      throw (IllegalStateException) failed.getCause();
    } catch (TimeoutException late) {
      forget(done);
      throw new IllegalStateException(
          "the new block of status-list indices could not be announced in the trust ConfigMaps"
              + " within "
              + timeout.toSeconds()
              + " s; no index of it is used");
    } catch (InterruptedException e) {
      forget(done);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while announcing new indices");
    }
  }
}
