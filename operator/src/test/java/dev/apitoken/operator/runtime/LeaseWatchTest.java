package dev.apitoken.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.operator.testing.MutableClock;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LeaseWatchTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  static Stream<Arguments> leases() {
    return Stream.of(
        Arguments.of("held, renewed 5 s ago", lease("other", NOW.minusSeconds(5), 15), null),
        Arguments.of("no Lease yet", null, "no leader Lease"),
        Arguments.of(
            "released", lease(null, NOW.minusSeconds(1), 1), "the leader Lease is not held"),
        Arguments.of(
            "expired", lease("gone", NOW.minusSeconds(60), 15), "the leader Lease expired at "));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("leases")
  void judgesOneReading(String what, Lease lease, String problemStart) {
    String problem = LeaseWatch.problemWith(lease, NOW);
    if (problemStart == null) {
      assertThat(problem).isNull();
    } else {
      assertThat(problem).startsWith(problemStart);
    }
  }

  @Test
  void reportsAStuckLeaseOnlyAfterTheGraceAndClearsItOnceHeldAgain() {
    MutableClock clock = new MutableClock(NOW);
    AtomicReference<Lease> stored = new AtomicReference<>(lease("gone", NOW.minusSeconds(60), 15));
    LeaseWatch watch = new LeaseWatch(stored::get, () -> false, clock);

    watch.check();
    assertThat(watch.problem()).as("within the grace: a fail-over may be under way").isEmpty();

    clock.advance(LeaseWatch.GRACE.plusSeconds(1));
    watch.check();
    assertThat(watch.problem()).hasValueSatisfying(p -> assertThat(p).contains("expired"));

    stored.set(lease("new-leader", clock.instant(), 15));
    watch.check();
    assertThat(watch.problem()).isEmpty();
  }

  @Test
  void anUnreadableLeaseIsAProblemAndLeadingIsNot() {
    MutableClock clock = new MutableClock(NOW);
    AtomicBoolean leading = new AtomicBoolean(false);
    LeaseWatch watch =
        new LeaseWatch(
            () -> {
              throw new KubernetesClientException("forbidden", 403, null);
            },
            leading::get,
            clock);
    clock.advance(LeaseWatch.GRACE.plus(Duration.ofSeconds(1)));
    watch.check();
    assertThat(watch.problem())
        .hasValueSatisfying(p -> assertThat(p).startsWith("cannot read the leader Lease"));

    leading.set(true);
    watch.check();
    assertThat(watch.problem()).as("the leader's own elector renews it").isEmpty();
  }

  private static Lease lease(String holder, Instant renewed, int seconds) {
    return new LeaseBuilder()
        .withNewMetadata()
        .withName("apitoken-operator-leader")
        .endMetadata()
        .withNewSpec()
        .withHolderIdentity(holder)
        .withRenewTime(renewed.atZone(ZoneOffset.UTC))
        .withLeaseDurationSeconds(seconds)
        .endSpec()
        .build();
  }
}
