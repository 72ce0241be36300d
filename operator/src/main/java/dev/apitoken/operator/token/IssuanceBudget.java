package dev.apitoken.operator.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Caps how many tokens one ApiToken can be issued per interval, whatever the reason. Valid specs
 * renew at most every {@link ReissuePolicy#MINIMUM_RENEWAL_INTERVAL}, but a loop the policies do
 * not foresee (another controller rewriting the Secret, a token its verifiers refuse, a bug) would
 * otherwise sign a token, spend a status-list index and write a Secret on every reconcile.
 *
 * <p>Up to {@link #BURST} issues in any {@link #WINDOW} pass, which leaves room for a few spec
 * edits beside regular renewals. The next one waits for {@link #WINDOW}, and each further time the
 * limit is hit the wait doubles, up to {@link #MAX_BACKOFF}; a {@link #MAX_BACKOFF} without hitting
 * the limit forgets the doubling. A loop is thereby held to about five tokens an hour instead of
 * one a second.
 *
 * <p>State lives in memory: a restart starts every ApiToken afresh, which costs at most one more
 * burst. Safe for concurrent reconciliations of different ApiTokens.
 */
public final class IssuanceBudget {
  public static final int BURST = 5;
  public static final Duration WINDOW = Duration.ofMinutes(10);
  public static final Duration MAX_BACKOFF = Duration.ofHours(1);

  private final Clock clock;
  private final Map<String, History> histories = new HashMap<>();

  public IssuanceBudget(Clock clock) {
    this.clock = clock;
  }

  /** Why the next issue must wait, and until when. */
  public record Deferral(Instant until, int issuedInWindow, Duration window) {}

  /**
   * Empty when a token may be issued for {@code key} now; otherwise until when it must wait. Does
   * not count an issue: call {@link #recordIssue} once one happened.
   */
  public synchronized Optional<Deferral> deferral(String key) {
    History history = histories.get(key);
    if (history == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    if (history.blockedUntil != null) {
      if (now.isBefore(history.blockedUntil)) {
        return Optional.of(new Deferral(history.blockedUntil, history.issues.size(), WINDOW));
      }
      if (!now.isBefore(history.blockedUntil.plus(MAX_BACKOFF))) {
        history.strikes = 0;
        history.blockedUntil = null;
      }
    }
    Instant windowStart = now.minus(WINDOW);
    while (!history.issues.isEmpty() && !history.issues.peekFirst().isAfter(windowStart)) {
      history.issues.removeFirst();
    }
    if (history.issues.size() < BURST) {
      return Optional.empty();
    }
    int issued = history.issues.size();
    history.strikes++;
    history.blockedUntil = now.plus(backoff(history.strikes));
    return Optional.of(new Deferral(history.blockedUntil, issued, WINDOW));
  }

  public synchronized void recordIssue(String key) {
    History history = histories.computeIfAbsent(key, k -> new History());
    history.issues.addLast(clock.instant());
    while (history.issues.size() > BURST) {
      history.issues.removeFirst();
    }
  }

  /** Drops what is known about {@code key}, e.g. once its ApiToken is deleted. */
  public synchronized void forget(String key) {
    histories.remove(key);
  }

  private static Duration backoff(int strikes) {
    Duration wait = WINDOW;
    for (int i = 1; i < strikes && wait.compareTo(MAX_BACKOFF) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
  }

  private static final class History {
    private final Deque<Instant> issues = new ArrayDeque<>();
    private int strikes;
    private Instant blockedUntil;
  }
}
