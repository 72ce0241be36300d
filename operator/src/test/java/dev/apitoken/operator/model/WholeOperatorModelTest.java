package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 8's proof against the whole operator: seeded random sequences of user actions (create,
 * subject change, revoke, delete), restarts, admin damage while stopped and while running (ledger
 * shards, issue records, index counter, copies deleted or rolled back; a finalizer stripped),
 * selector changes and API fault windows (ConfigMap writes answered 500 or 422), each run against
 * {@code RunningOperator} on its own mock API server. I1 is checked on every version of every copy
 * the test's watch saw; I2, I3 and I5 once the faults stop and the operator settles.
 *
 * <p>{@code -Dmodel.operatorSequences=N} runs more; {@code -Dmodel.operatorSeed=S} changes the base
 * seed ({@code random} for a new one); a failure prints the seed and steps, replay it with {@code
 * -Dmodel.operatorSeed=<seed> -Dmodel.operatorSequences=1}.
 */
class WholeOperatorModelTest {
  private static final int SEQUENCES = Integer.getInteger("model.operatorSequences", 24);
  private static final String[] QUIET = {
    "dev.apitoken", "audit", "io.javaoperatorsdk", "io.fabric8"
  };
  private static final List<Level> levels = new ArrayList<>();

  /** The mock server logs every request through java.util.logging; held so it stays quiet. */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private static java.util.logging.Level mockServerLevel;

  @BeforeAll
  static void quiet() {
    mockServerLevel = MOCK_SERVER_LOG.getLevel();
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    // Fault windows and damage make the operator log hundreds of WARN lines by design.
    for (String name : QUIET) {
      Logger logger = (Logger) LoggerFactory.getLogger(name);
      levels.add(logger.getLevel());
      logger.setLevel(Level.OFF);
    }
  }

  @AfterAll
  static void restoreLogging() {
    MOCK_SERVER_LOG.setLevel(mockServerLevel);
    for (int i = 0; i < QUIET.length; i++) {
      ((Logger) LoggerFactory.getLogger(QUIET[i])).setLevel(levels.get(i));
    }
  }

  @Test
  void revocationsSurviveRestartsDamageAndApiFaultsOfTheWholeOperator() {
    String baseSeed = System.getProperty("model.operatorSeed", "8080");
    long base =
        baseSeed.equals("random")
            ? new Random().nextLong() & 0xffff_ffffL
            : Long.parseLong(baseSeed);
    long started = System.nanoTime();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < SEQUENCES; i++) {
      long seed = base + i;
      List<OperatorStep> steps = OperatorStep.generate(new Random(seed));
      long t0 = System.nanoTime();
      try (OperatorModelRun run = new OperatorModelRun()) {
        try {
          run.run(steps);
          if (Boolean.getBoolean("model.verbose")) {
            System.out.printf(
                "seed %d: %d steps, %d ms, %s%n",
                seed,
                steps.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                run.summary());
            if (Boolean.getBoolean("model.trace")) {
              System.out.println("  " + String.join("\n  ", run.trace()));
            }
          }
        } catch (OperatorModelRun.Violation | RuntimeException e) {
          failures.add(
              "seed="
                  + seed
                  + " (replay: -Dmodel.operatorSeed="
                  + seed
                  + " -Dmodel.operatorSequences=1)\n  "
                  + e
                  + "\n  steps: "
                  + steps
                  + "\n  trace: "
                  + run.trace());
        }
      }
    }
    System.out.printf(
        "whole-operator model: %d sequences from seed %d in %d ms%n",
        SEQUENCES, base, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    if (!failures.isEmpty()) {
      fail(failures.size() + " sequence(s) failed:\n" + String.join("\n", failures));
    }
  }
}
