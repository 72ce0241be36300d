package dev.apitoken.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.api.RolloutRestartTarget;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** When spec.rolloutRestart restarts its targets: once per new token, never for the first. */
class RolloutRestartPlanTest {
  private static final List<RolloutRestartTarget> TARGETS =
      List.of(new RolloutRestartTarget(RolloutRestartTarget.DEPLOYMENT, "orders"));

  static Stream<Arguments> cases() {
    return Stream.of(
        // description, targets, recordedFor, previous jti, current jti, restart, recorded
        Arguments.of(
            "no targets: nothing, nothing recorded", List.of(), "a", "a", "b", false, null),
        Arguments.of("first token: nothing to restart", TARGETS, null, null, "a", false, "a"),
        Arguments.of("same token again (resync)", TARGETS, "a", "a", "a", false, "a"),
        Arguments.of("new token", TARGETS, "a", "a", "b", true, "b"),
        Arguments.of(
            "new token whose status write was lost: status still names the old one",
            TARGETS,
            "a",
            "a",
            "b",
            true,
            "b"),
        Arguments.of(
            "targets just set, token unchanged (or operator upgraded): no restart",
            TARGETS,
            null,
            "a",
            "a",
            false,
            "a"),
        Arguments.of(
            "targets set in the same edit that issued a new token",
            TARGETS,
            null,
            "a",
            "b",
            true,
            "b"),
        Arguments.of("no current token", TARGETS, "a", "a", null, false, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void restartsOncePerNewToken(
      String description,
      List<RolloutRestartTarget> targets,
      String recordedFor,
      String previousJti,
      String currentJti,
      boolean restart,
      String recorded) {
    RolloutRestarts.Plan plan = RolloutRestarts.plan(targets, recordedFor, previousJti, currentJti);
    assertThat(plan.restart()).isEqualTo(restart);
    assertThat(plan.recordedFor()).isEqualTo(recorded);
  }
}
