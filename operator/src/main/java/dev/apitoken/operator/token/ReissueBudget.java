package dev.apitoken.operator.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Spreads a mass reissue (every token signed by a lost key at once) over time: at most {@code
 * limit} reissues per {@code interval}, in the order the ApiTokens first asked. A caller that is
 * refused gets a reserved place in a later interval and the time to come back, so waiting ApiTokens
 * are requeued once, for their turn, rather than polling.
 *
 * <p>Intervals are fixed windows of the clock ({@code [k * interval, (k + 1) * interval)}). A
 * permit is only ever granted inside the window it was reserved in, and no window holds more than
 * {@code limit} reservations, so no window grants more than {@code limit} permits. A caller that
 * comes back after its window has passed is placed again, at the end of the queue.
 */
public final class ReissueBudget {

  /** The answer to {@link #admit}: reissue now, or come back at {@code retryAt}. */
  public record Admission(boolean granted, Instant retryAt) {
    static Admission now(Instant now) {
      return new Admission(true, now);
    }
  }

  private final int limit;
  private final long intervalMillis;
  private final Clock clock;

  /** The window each waiting caller is placed in. */
  private final Map<String, Long> placed = new HashMap<>();

  /** How many callers are placed in each window from the current one on. */
  private final TreeMap<Long, Integer> placedPerWindow = new TreeMap<>();

  private long currentWindow = Long.MIN_VALUE;

  /**
   * @param limit reissues per interval, at least 1
   * @param interval at least one millisecond
   */
  public ReissueBudget(int limit, Duration interval, Clock clock) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    if (interval.toMillis() < 1) {
      throw new IllegalArgumentException("interval must be at least 1ms, was " + interval);
    }
    this.limit = limit;
    this.intervalMillis = interval.toMillis();
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public int limit() {
    return limit;
  }

  public Duration interval() {
    return Duration.ofMillis(intervalMillis);
  }

  /**
   * Asks to reissue for {@code caller} (e.g. an ApiToken's namespace/name). Granted when the
   * caller's place is in the current window; otherwise the caller keeps (or gets) a place in the
   * first window with room, and {@link Admission#retryAt()} is when that window opens.
   */
  public synchronized Admission admit(String caller) {
    Instant now = clock.instant();
    long window = Math.floorDiv(now.toEpochMilli(), intervalMillis);
    forgetBefore(window);
    Long place = placed.get(caller);
    if (place == null) {
      place = firstWindowWithRoom(window);
      placed.put(caller, place);
      placedPerWindow.merge(place, 1, Integer::sum);
    }
    if (place == window) {
      // The count stays on the window: it is what bounds the permits granted in it.
      placed.remove(caller);
      return Admission.now(now);
    }
    return new Admission(false, Instant.ofEpochMilli(place * intervalMillis));
  }

  /** Callers waiting for a later window. */
  public synchronized int waiting() {
    return placed.size();
  }

  private long firstWindowWithRoom(long from) {
    long window = from;
    while (placedPerWindow.getOrDefault(window, 0) >= limit) {
      window++;
    }
    return window;
  }

  /** Windows that have passed grant nothing more; their callers are placed again on return. */
  private void forgetBefore(long window) {
    if (window <= currentWindow) {
      return;
    }
    currentWindow = window;
    placedPerWindow.headMap(window).clear();
    placed.values().removeIf(place -> place < window);
  }
}
