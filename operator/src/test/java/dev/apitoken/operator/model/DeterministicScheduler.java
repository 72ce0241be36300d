package dev.apitoken.operator.model;

import dev.apitoken.operator.store.Scheduling;
import dev.apitoken.operator.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Every job the revocation path would run on threads of its own (shard writers, publish loop,
 * fan-out, watch dispatch, timers) run by the caller, one task at a time, on a manual clock: a run
 * is a function of its seed. Each {@link #singleThread} executor is a lane whose tasks run in
 * order; which lane's next ready task runs is chosen by the seeded random, so different seeds
 * explore different interleavings and the same seed repeats one exactly. Time moves only when no
 * task is ready and the caller waits: to the next timer, within what the caller allows.
 */
final class DeterministicScheduler implements Scheduling {
  /** Tasks run by one call before it is taken for a livelock. */
  private static final int MAX_TASKS_PER_WAIT = 2_000_000;

  private final MutableClock clock;
  private final Random random;
  private final List<Task> tasks = new ArrayList<>();
  private long sequence;
  private long ran;

  DeterministicScheduler(MutableClock clock, Random random) {
    this.clock = clock;
    this.random = random;
  }

  /** Tasks run so far. */
  long tasksRun() {
    return ran;
  }

  @Override
  public ScheduledExecutorService singleThread(String name) {
    return new Lane(name);
  }

  /** Runs each task at once, on the caller: a round's writes one after another, in order. */
  @Override
  public ExecutorService pool(String name, int threads) {
    return new Lane(name) {
      @Override
      public void execute(Runnable command) {
        if (isShutdown()) {
          throw new RejectedExecutionException(name + " is shut down");
        }
        command.run();
      }
    };
  }

  @Override
  public long nanoTime() {
    return TimeUnit.MILLISECONDS.toNanos(clock.millis());
  }

  @Override
  public long jitter(long bound) {
    return bound <= 0 ? 0 : Math.floorMod(random.nextLong(), bound);
  }

  @Override
  public <T> T await(CompletableFuture<T> future, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    if (!runUntil(future::isDone, timeout)) {
      throw new TimeoutException("not done within " + timeout + " of model time");
    }
    return future.get();
  }

  /**
   * Runs ready tasks, moving the clock to the next timer when none is ready, until {@code done}
   * holds or {@code budget} of model time has passed (the clock then stands at its end).
   */
  boolean runUntil(BooleanSupplier done, Duration budget) {
    long deadline = clock.millis() + budget.toMillis();
    for (int count = 0; !done.getAsBoolean(); count++) {
      if (count > MAX_TASKS_PER_WAIT) {
        throw new ModelRun.Violation("livelock: " + count + " tasks ran without progress");
      }
      Task next = nextReady();
      if (next != null) {
        run(next);
        continue;
      }
      Task timer = earliest();
      if (timer == null || timer.due > deadline) {
        if (clock.millis() < deadline) {
          clock.set(java.time.Instant.ofEpochMilli(deadline));
        }
        return done.getAsBoolean();
      }
      clock.set(java.time.Instant.ofEpochMilli(Math.max(timer.due, clock.millis())));
    }
    return true;
  }

  /** Model time passes by {@code duration}, every task due meanwhile run. */
  void runFor(Duration duration) {
    runUntil(() -> false, duration);
  }

  /** Runs at most {@code count} tasks that are ready now, without moving the clock. */
  void runReady(int count) {
    for (int i = 0; i < count; i++) {
      Task next = nextReady();
      if (next == null) {
        return;
      }
      run(next);
    }
  }

  /** The next ready task of a lane picked at random among those with one. */
  private Task nextReady() {
    long now = clock.millis();
    List<Task> heads = new ArrayList<>();
    for (Task t : tasks) {
      if (t.due > now) {
        continue;
      }
      Task head = null;
      for (Task h : heads) {
        if (h.lane == t.lane) {
          head = h;
        }
      }
      if (head == null) {
        heads.add(t);
      } else if (t.before(head)) {
        heads.set(heads.indexOf(head), t);
      }
    }
    return heads.isEmpty() ? null : heads.get(random.nextInt(heads.size()));
  }

  private Task earliest() {
    Task first = null;
    for (Task t : tasks) {
      if (first == null || t.before(first)) {
        first = t;
      }
    }
    return first;
  }

  private void run(Task task) {
    tasks.remove(task);
    ran++;
    try {
      task.body.run();
      if (task.periodMillis > 0 && !task.cancelled && !task.lane.isShutdown()) {
        task.due = clock.millis() + task.periodMillis;
        task.seq = ++sequence;
        tasks.add(task);
      } else {
        task.result.complete(null);
      }
    } catch (RuntimeException | Error e) {
      // As an executor's thread: the task's failure is its future's, the scheduler goes on.
      task.result.completeExceptionally(e);
      if (e instanceof ModelRun.Violation v) {
        throw v;
      }
    }
  }

  private Task add(Lane lane, Runnable body, long delayMillis, long periodMillis) {
    if (lane.isShutdown()) {
      throw new RejectedExecutionException(lane.name + " is shut down");
    }
    Task task = new Task(lane, body, clock.millis() + Math.max(0, delayMillis), periodMillis);
    task.seq = ++sequence;
    tasks.add(task);
    return task;
  }

  private final class Task implements ScheduledFuture<Object> {
    final Lane lane;
    final Runnable body;
    final long periodMillis;
    final CompletableFuture<Object> result = new CompletableFuture<>();
    long due;
    long seq;
    boolean cancelled;

    Task(Lane lane, Runnable body, long due, long periodMillis) {
      this.lane = lane;
      this.body = body;
      this.due = due;
      this.periodMillis = periodMillis;
    }

    boolean before(Task other) {
      return due < other.due || (due == other.due && seq < other.seq);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - clock.millis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      cancelled = true;
      tasks.remove(this);
      return result.cancel(false);
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return result.isDone();
    }

    @Override
    public Object get() throws InterruptedException, ExecutionException {
      try {
        return await(result, Duration.ofDays(1));
      } catch (TimeoutException e) {
        throw new CancellationException("never ran");
      }
    }

    @Override
    public Object get(long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
      return await(result, Duration.ofMillis(unit.toMillis(timeout)));
    }
  }

  /** One "thread": its tasks run in order, interleaved with other lanes' by the seeded random. */
  class Lane extends AbstractExecutorService implements ScheduledExecutorService {
    final String name;
    private boolean shutdown;

    Lane(String name) {
      this.name = name;
    }

    @Override
    public void execute(Runnable command) {
      add(this, command, 0, 0);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return add(this, command, unit.toMillis(delay), 0);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException("not used by the revocation path");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(
        Runnable command, long initialDelay, long period, TimeUnit unit) {
      return add(this, command, unit.toMillis(initialDelay), Math.max(1, unit.toMillis(period)));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return add(this, command, unit.toMillis(initialDelay), Math.max(1, unit.toMillis(delay)));
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      List<Runnable> dropped = new ArrayList<>();
      for (Task t : List.copyOf(tasks)) {
        if (t.lane == this) {
          tasks.remove(t);
          t.cancelled = true;
          t.result.cancel(false);
          dropped.add(t.body);
        }
      }
      return dropped;
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown && tasks.stream().noneMatch(t -> t.lane == this);
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return isTerminated();
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
