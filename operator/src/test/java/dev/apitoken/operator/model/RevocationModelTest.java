package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 8's proof: random sequences of user actions, clock moves, restarts, crashes in the middle
 * of a reconcile, fail-overs, selector changes, admin damage to every operator-owned object and API
 * faults, run against the production revocation path; after each sequence the invariants I1 (on
 * every version of every copy), I2, I3 and I5 are checked. Each sequence runs on one {@link
 * DeterministicScheduler} with a manual clock, so a seed replays exactly: a failure prints the
 * seed, the steps, the trace and the shrunk steps; replay it with {@code -Dmodel.seed=<seed>
 * -Dmodel.sequences=1}.
 */
class RevocationModelTest {
  private static final int SEQUENCES = Integer.getInteger("model.sequences", 1000);
  // Sequences are independent and each runs on one thread: one per core.
  private static final int PARALLEL =
      Integer.getInteger("model.parallel", Runtime.getRuntime().availableProcessors());
  // Each seed run this many times (a replay repeats exactly; kept to show it).
  private static final int REPEAT = Integer.getInteger("model.repeat", 1);
  private static final String[] QUIET = {"dev.apitoken", "audit"};
  private static final List<Level> levels = new ArrayList<>();

  @BeforeAll
  static void quiet() {
    // Thousands of injected faults log thousands of WARN lines: keep them out of the test output.
    for (String name : QUIET) {
      Logger logger = (Logger) LoggerFactory.getLogger(name);
      levels.add(logger.getLevel());
      logger.setLevel(Level.OFF);
    }
  }

  @AfterAll
  static void restoreLogging() {
    for (int i = 0; i < QUIET.length; i++) {
      ((Logger) LoggerFactory.getLogger(QUIET[i])).setLevel(levels.get(i));
    }
  }

  /**
   * 1,000 sequences in every build ({@code -Dmodel.sequences=N} for more; base seed 12345, fixed so
   * that a CI run is reproducible; {@code -Dmodel.seed=random} for new sequences, {@code
   * -Dmodel.seed=S -Dmodel.sequences=1} to replay one). Damage that destroys every source of a
   * revocation (docs/REVOCATION-STATE.md, beyond any design) is the only damage left out.
   */
  @Test
  void revocationsAreNeverLost() throws Exception {
    // A fixed base by default, so that a red CI run can be replayed as it ran.
    String baseSeed = System.getProperty("model.seed", "12345");
    long base =
        baseSeed.equals("random")
            ? new Random().nextLong() & 0xffff_ffffL
            : Long.parseLong(baseSeed);
    List<Step.Kind> kinds = Arrays.asList(Step.Kind.values());
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    long started = System.nanoTime();
    try {
      List<Future<Optional<String>>> results = new ArrayList<>();
      for (int i = 0; i < SEQUENCES * REPEAT; i++) {
        long seed = base + i / REPEAT;
        results.add(pool.submit(() -> failureOf(seed, Step.generate(new Random(seed), kinds))));
      }
      for (int i = 0; i < results.size(); i++) {
        Optional<String> failure;
        try {
          failure = results.get(i).get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException stuck) {
          long seed = base + i / REPEAT;
          fail(
              "model sequence did not finish within 120 s: seed="
                  + seed
                  + " (replay: -Dmodel.seed="
                  + seed
                  + " -Dmodel.sequences=1)");
          return;
        }
        if (failure.isPresent()) {
          long seed = base + i / REPEAT;
          List<Step> steps = Step.generate(new Random(seed), kinds);
          ModelRun.settleSeconds = 5;
          List<Step> shrunk = shrink(seed, steps);
          fail(
              "model sequence failed: seed="
                  + seed
                  + " (replay: -Dmodel.seed="
                  + seed
                  + " -Dmodel.sequences=1)\n  steps: "
                  + steps
                  + "\n  "
                  + failure.get()
                  + "\nshrunk to "
                  + shrunk.size()
                  + " of "
                  + steps.size()
                  + " steps: "
                  + shrunk
                  + "\n  which fails with: "
                  + failureOf(seed, shrunk).orElse("(did not fail again)"));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf(
        "model: %d sequences from seed %d in %d ms (%d threads, %d ms of CPU)%n",
        SEQUENCES,
        base,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        PARALLEL,
        TimeUnit.NANOSECONDS.toMillis(cpuNanos.get()));
    System.out.println("model: adversary steps and checks " + ModelRun.COUNTS);
  }

  /**
   * CPU time the sequences took, summed over threads: comparable whatever else the machine runs.
   */
  private static final java.util.concurrent.atomic.AtomicLong cpuNanos =
      new java.util.concurrent.atomic.AtomicLong();

  static Optional<String> failureOf(long seed, List<Step> steps) {
    long cpu0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    try {
      return runOnce(seed, steps);
    } finally {
      cpuNanos.addAndGet(
          java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime()
              - cpu0);
    }
  }

  private static Optional<String> runOnce(long seed, List<Step> steps) {
    long t0 = System.nanoTime();
    try (ModelRun run = new ModelRun(seed)) {
      run.run(steps);
      if (Boolean.getBoolean("model.verbose")) {
        System.out.printf(
            "seed %d: %d ms, %s%n",
            seed, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), run.summary());
      }
      return Optional.empty();
    } catch (ModelRun.Violation v) {
      return Optional.of(v.getMessage());
    } catch (RuntimeException e) {
      return Optional.of(
          "unexpected "
              + e
              + " at "
              + java.util.Arrays.stream(e.getStackTrace())
                  .limit(12)
                  .map(StackTraceElement::toString)
                  .toList());
    }
  }

  /** Removes steps while the sequence still fails (a run is deterministic). Chunks, then steps. */
  static List<Step> shrink(long seed, List<Step> steps) {
    List<Step> current = new ArrayList<>(steps);
    for (int chunk = Math.max(1, current.size() / 2); chunk >= 1; chunk /= 2) {
      for (int from = 0; from + chunk <= current.size(); ) {
        List<Step> candidate = new ArrayList<>(current);
        candidate.subList(from, from + chunk).clear();
        if (failsAgain(seed, candidate)) {
          current = candidate;
        } else {
          from += chunk;
        }
      }
    }
    return current;
  }

  private static boolean failsAgain(long seed, List<Step> steps) {
    return failureOf(seed, steps).isPresent();
  }
}
