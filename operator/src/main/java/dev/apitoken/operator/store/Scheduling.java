package dev.apitoken.operator.store;

import dev.apitoken.operator.runtime.DaemonThreads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where the revocation path runs its background work, reads monotonic time and waits. In production
 * ({@link #THREADS}) that is threads of its own and the JDK's time; the model test passes one
 * single-threaded scheduler with a manual clock instead, so that a seed replays the same
 * interleaving exactly. Nothing else may start a thread or read the time for a decision in the
 * revocation path.
 */
public interface Scheduling {
  /** A scheduled executor that runs one task at a time, for the job named {@code name}. */
  ScheduledExecutorService singleThread(String name);

  /** An executor that runs up to {@code threads} tasks at once, for the job named {@code name}. */
  ExecutorService pool(String name, int threads);

  /** Monotonic time, for backoff and intervals. */
  long nanoTime();

  /** A random number in {@code [0, bound)}, for jitter. */
  long jitter(long bound);

  /**
   * Waits until {@code future} completes, at most {@code timeout}.
   *
   * @throws ExecutionException when it completed exceptionally
   * @throws TimeoutException when it did not complete in time
   */
  <T> T await(CompletableFuture<T> future, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException;

  /** Threads of its own and the JDK's clocks: what the operator runs on. */
  Scheduling THREADS =
      new Scheduling() {
        @Override
        public ScheduledExecutorService singleThread(String name) {
          return Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(name));
        }

        @Override
        public ExecutorService pool(String name, int threads) {
          return Executors.newFixedThreadPool(threads, DaemonThreads.named(name));
        }

        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public long jitter(long bound) {
          return ThreadLocalRandom.current().nextLong(bound);
        }

        @Override
        public <T> T await(CompletableFuture<T> future, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
          return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
      };
}
