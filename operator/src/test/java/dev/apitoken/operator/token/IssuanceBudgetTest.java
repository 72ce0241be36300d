package dev.apitoken.operator.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IssuanceBudgetTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(T0);
  private final IssuanceBudget budget = new IssuanceBudget(clock);

  @Test
  void aBurstPassesThenTheNextIssueWaitsForTheWindow() {
    for (int i = 0; i < IssuanceBudget.BURST; i++) {
      assertThat(budget.deferral("ns/a")).as("issue %d", i + 1).isEmpty();
      budget.recordIssue("ns/a");
      clock.advance(Duration.ofSeconds(1));
    }
    Optional<IssuanceBudget.Deferral> deferral = budget.deferral("ns/a");
    assertThat(deferral).isPresent();
    assertThat(deferral.get().until()).isEqualTo(clock.instant().plus(IssuanceBudget.WINDOW));
    assertThat(deferral.get().issuedInWindow()).isEqualTo(IssuanceBudget.BURST);
    // Asking again while deferred neither extends nor escalates the wait.
    clock.advance(Duration.ofMinutes(1));
    assertThat(budget.deferral("ns/a"))
        .map(IssuanceBudget.Deferral::until)
        .contains(deferral.get().until());
    assertThat(budget.deferral("ns/b")).as("other ApiTokens are not affected").isEmpty();
  }

  @Test
  void regularRenewalsAtTheMinimumIntervalAreNeverDeferred() {
    for (int i = 0; i < 1_000; i++) {
      assertThat(budget.deferral("ns/a")).as("renewal %d", i).isEmpty();
      budget.recordIssue("ns/a");
      clock.advance(ReissuePolicy.MINIMUM_RENEWAL_INTERVAL);
    }
  }

  @Test
  void aLoopIsHeldToAFewTokensAnHourWithDoublingWaits() {
    int issued = 0;
    Instant end = T0.plus(Duration.ofDays(1));
    while (clock.instant().isBefore(end)) {
      if (budget.deferral("ns/loop").isEmpty()) {
        budget.recordIssue("ns/loop");
        issued++;
      }
      clock.advance(Duration.ofSeconds(1));
    }
    System.out.printf("a reissue loop at 1/s for 24h issued %d tokens (was 86400)%n", issued);
    assertThat(issued).isLessThanOrEqualTo(24 * IssuanceBudget.BURST + 2 * IssuanceBudget.BURST);
  }

  @Test
  void aCalmHourForgetsTheDoubling() {
    exhaust();
    Instant firstWait = budget.deferral("ns/a").orElseThrow().until();
    assertThat(Duration.between(clock.instant(), firstWait)).isEqualTo(IssuanceBudget.WINDOW);
    clock.advance(IssuanceBudget.WINDOW);
    exhaust();
    assertThat(Duration.between(clock.instant(), budget.deferral("ns/a").orElseThrow().until()))
        .isEqualTo(IssuanceBudget.WINDOW.multipliedBy(2));
    clock.advance(IssuanceBudget.WINDOW.multipliedBy(2).plus(IssuanceBudget.MAX_BACKOFF));
    exhaust();
    assertThat(Duration.between(clock.instant(), budget.deferral("ns/a").orElseThrow().until()))
        .isEqualTo(IssuanceBudget.WINDOW);
  }

  @Test
  void aForgottenApiTokenStartsAfresh() {
    exhaust();
    assertThat(budget.deferral("ns/a")).isPresent();
    budget.forget("ns/a");
    assertThat(budget.deferral("ns/a")).isEmpty();
  }

  /** Issues until the budget defers; fails rather than loops if it never does. */
  private void exhaust() {
    for (int i = 0; i <= IssuanceBudget.BURST; i++) {
      if (budget.deferral("ns/a").isPresent()) {
        return;
      }
      budget.recordIssue("ns/a");
    }
    throw new AssertionError("no deferral after " + (IssuanceBudget.BURST + 1) + " issues");
  }
}
