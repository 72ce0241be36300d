package dev.apitoken.operator.model;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sequences the model once failed, shrunk, replayed with the seed that found them (the seed fixes
 * the interleaving of background work): each passes only with its fix.
 */
class ModelFindingsTest {
  private static void passes(long seed, Step... steps) {
    assertThatCode(
            () -> {
              try (ModelRun run = new ModelRun(seed)) {
                run.run(List.of(steps));
              }
            })
        .doesNotThrowAnyException();
  }

  /**
   * A leader whose node clock runs a minute ahead (beyond the verifiers' 30 s leeway) signed every
   * list with an {@code iat} in the verifiers' future: they refused each one and kept the list from
   * before the fail-over, so the revocation reached no verifier. The operator's time is now never
   * ahead of the API server's.
   */
  @Test
  void aLeaderWithAFastClockStillReachesEveryVerifier() {
    passes(
        12388,
        new Step(Step.Kind.CREATE, 2, 0),
        new Step(Step.Kind.SKEWED_FAILOVER, 1, 0),
        new Step(Step.Kind.REVOKE, 2, 0));
  }

  /**
   * The operator namespace restored while stopped to a backup from before a token, with no selected
   * namespace holding a copy: the token, replaced at the next start (its subject changed), passed
   * its own index on to its successor (I3). A block now starts past every token in a Secret.
   */
  @Test
  void aTokenReplacedAfterARestoreWithNoOtherCopyKeepsItsIndexToItself() {
    passes(
        13314,
        new Step(Step.Kind.DELETE, 4, 0),
        new Step(Step.Kind.DESELECT, 0, 0),
        new Step(Step.Kind.CREATE, 3, 0),
        new Step(Step.Kind.CRASH_AT_CALL, 2, 0),
        new Step(Step.Kind.TENANT_COPY, 0, 0),
        new Step(Step.Kind.REVOKE, 4, 0),
        new Step(Step.Kind.CHANGE_SUBJECT, 3, 0),
        new Step(Step.Kind.RESTORE, 1, 5));
  }
}
