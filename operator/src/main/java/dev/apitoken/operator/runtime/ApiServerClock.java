package dev.apitoken.operator.runtime;

import static net.logstash.logback.argument.StructuredArguments.kv;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's time: the node's clock, never ahead of the API server's. Verifiers refuse a Status
 * List Token (and a token) whose {@code iat} lies in their future beyond their leeway, so a leader
 * whose node clock runs fast would sign lists every verifier refuses, and its revocations would
 * reach none of them while it leads. The API server's clock is the cluster's reference: this clock
 * is the node's, held back by how far the node's clock was last seen ahead of the API server (the
 * {@code Date} of its responses, {@link ApiServerDates}). A node clock behind it is left as it is
 * (its lists are merely older). Being ahead is said once (WARN {@code
 * event=clock_ahead_of_api_server}) and shown by {@code apitoken_clock_ahead_seconds}.
 */
public final class ApiServerClock extends Clock {
  /**
   * Ahead by less than this is left alone: a {@code Date} has whole seconds, and a response takes
   * time to arrive, so a node clock that is right can look up to about a second ahead.
   */
  static final Duration TOLERANCE = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger(ApiServerClock.class);

  private final Clock node;
  private final AtomicLong aheadMillis;
  private final AtomicBoolean said;

  public ApiServerClock(Clock node) {
    this(node, new AtomicLong(), new AtomicBoolean());
  }

  private ApiServerClock(Clock node, AtomicLong aheadMillis, AtomicBoolean said) {
    this.node = node;
    this.aheadMillis = aheadMillis;
    this.said = said;
  }

  /** The API server answered at {@code serverTime} or later (the {@code Date} of a response). */
  public void observed(Instant serverTime) {
    long ahead = node.millis() - serverTime.toEpochMilli();
    if (ahead <= TOLERANCE.toMillis()) {
      aheadMillis.set(0);
      return;
    }
    aheadMillis.set(ahead);
    if (said.compareAndSet(false, true)) {
      LOG.warn(
          "{} {} {}",
          kv("event", "clock_ahead_of_api_server"),
          kv("ahead_seconds", ahead / 1000),
          kv("action", "taking_time_from_api_server"));
    }
  }

  /** How far the node's clock is held back (zero unless it was seen ahead beyond tolerance). */
  public Duration ahead() {
    return Duration.ofMillis(aheadMillis.get());
  }

  @Override
  public Instant instant() {
    return node.instant().minusMillis(aheadMillis.get());
  }

  @Override
  public ZoneId getZone() {
    return node.getZone();
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new ApiServerClock(node.withZone(zone), aheadMillis, said);
  }
}
