package dev.apitoken.operator.token;

import static dev.apitoken.operator.token.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apitoken.operator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ReissueBudgetTest {
  private static final Duration INTERVAL = Duration.ofSeconds(10);

  private final MutableClock clock = new MutableClock(T0);
  private final ReissueBudget budget = new ReissueBudget(2, INTERVAL, clock);

  @Test
  void grantsTheLimitThenHandsOutTurnsInLaterIntervalsInArrivalOrder() {
    assertThat(budget.admit("a").granted()).isTrue();
    assertThat(budget.admit("b").granted()).isTrue();
    ReissueBudget.Admission c = budget.admit("c");
    ReissueBudget.Admission d = budget.admit("d");
    ReissueBudget.Admission e = budget.admit("e");

    assertThat(c.granted()).isFalse();
    assertThat(c.retryAt()).isEqualTo(T0.plus(INTERVAL));
    assertThat(d.retryAt()).isEqualTo(T0.plus(INTERVAL));
    assertThat(e.retryAt()).isEqualTo(T0.plus(INTERVAL.multipliedBy(2)));
    assertThat(budget.waiting()).isEqualTo(3);

    // Asking again early keeps the place; a newcomer queues behind.
    assertThat(budget.admit("c").retryAt()).isEqualTo(T0.plus(INTERVAL));
    assertThat(budget.admit("f").retryAt()).isEqualTo(T0.plus(INTERVAL.multipliedBy(2)));

    clock.set(T0.plus(INTERVAL));
    assertThat(budget.admit("e").granted()).as("not e's turn yet").isFalse();
    assertThat(budget.admit("d").granted()).isTrue();
    assertThat(budget.admit("c").granted()).isTrue();
    assertThat(budget.admit("g").granted()).as("interval full").isFalse();
  }

  @Test
  void aCallerBackAfterItsIntervalPassedQueuesAgainWithoutExceedingTheLimit() {
    budget.admit("a");
    budget.admit("b");
    assertThat(budget.admit("late").retryAt()).isEqualTo(T0.plus(INTERVAL));

    clock.set(T0.plus(INTERVAL.multipliedBy(3)));
    assertThat(budget.admit("x").granted()).isTrue();
    assertThat(budget.admit("y").granted()).isTrue();
    ReissueBudget.Admission late = budget.admit("late");

    assertThat(late.granted()).isFalse();
    assertThat(late.retryAt()).isEqualTo(T0.plus(INTERVAL.multipliedBy(4)));
  }

  @Test
  void refusesALimitOrIntervalThatCouldNeverGrant() {
    assertThatThrownBy(() -> new ReissueBudget(0, INTERVAL, clock))
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> new ReissueBudget(1, Duration.ZERO, clock))
        .hasMessageContaining("at least 1ms");
  }

  /**
   * Any pattern of callers asking and time passing: no interval grants more than the limit, and
   * every caller that keeps asking when told is granted within (callers / limit + 1) intervals.
   */
  @Property(tries = 200)
  void neverMoreThanTheLimitPerIntervalAndNobodyStarves(
      @ForAll @IntRange(min = 1, max = 5) int limit,
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 15) Integer> arrivals) {
    MutableClock time = new MutableClock(T0);
    ReissueBudget rateLimit = new ReissueBudget(limit, INTERVAL, time);
    Map<Long, Integer> grantsPerInterval = new HashMap<>();
    Map<String, Instant> retryAt = new HashMap<>();
    Set<String> granted = new LinkedHashSet<>();
    List<String> callers = new ArrayList<>();
    for (int i = 0; i < arrivals.size(); i++) {
      callers.add("c" + i);
    }
    Instant end = T0.plus(INTERVAL.multipliedBy(arrivals.size() / limit + 20L));
    for (Instant now = T0; now.isBefore(end); now = now.plusSeconds(1)) {
      time.set(now);
      long second = Duration.between(T0, now).toSeconds();
      for (int i = 0; i < callers.size(); i++) {
        String caller = callers.get(i);
        boolean arrives = arrivals.get(i) == second;
        boolean itsTurn = retryAt.containsKey(caller) && !now.isBefore(retryAt.get(caller));
        if (granted.contains(caller) || !(arrives || itsTurn)) {
          continue;
        }
        ReissueBudget.Admission admission = rateLimit.admit(caller);
        if (admission.granted()) {
          granted.add(caller);
          grantsPerInterval.merge(second / INTERVAL.toSeconds(), 1, Integer::sum);
        } else {
          assertThat(admission.retryAt()).isAfter(now);
          retryAt.put(caller, admission.retryAt());
        }
      }
    }

    assertThat(grantsPerInterval.values()).allMatch(count -> count <= limit);
    assertThat(granted).containsExactlyInAnyOrderElementsOf(callers);
  }
}
