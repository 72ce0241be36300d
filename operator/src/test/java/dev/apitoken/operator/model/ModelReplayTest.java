package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model seed replays exactly: the same steps on the deterministic scheduler make the same API
 * calls in the same order, so every write (object, writer, resourceVersion, model time, content) is
 * the same, and so is the outcome. A failure found by {@link RevocationModelTest} is therefore one
 * run of {@code -Dmodel.seed=<seed> -Dmodel.sequences=1} away.
 */
class ModelReplayTest {
  @ParameterizedTest
  @ValueSource(longs = {12345, 12346, 777089, 4242})
  void aSeedWritesTheSameThingsInTheSameOrderTwice(long seed) {
    List<Step> steps = Step.generate(new Random(seed), Arrays.asList(Step.Kind.values()));

    Run first = run(seed, steps);
    Run second = run(seed, steps);

    assertThat(first.writes()).as("a run writes something to replay").hasSizeGreaterThan(10);
    assertThat(second.writes()).isEqualTo(first.writes());
    assertThat(second.outcome()).isEqualTo(first.outcome());
    assertThat(second.tasks()).isEqualTo(first.tasks());
  }

  private record Run(List<String> writes, String outcome, long tasks) {}

  private static Run run(long seed, List<Step> steps) {
    try (ModelRun run = new ModelRun(seed)) {
      String outcome;
      try {
        run.run(steps);
        outcome = "passed: " + run.summary();
      } catch (ModelRun.Violation v) {
        outcome = "failed: " + v.getMessage();
      }
      return new Run(run.cluster.writeLog(), outcome, run.scheduler.tasksRun());
    }
  }
}
