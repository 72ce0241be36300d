package dev.apitoken.gateway.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP/1.1 load generator: each of {@code connections} keep-alive connections sends
 * its next request as soon as the previous answer has been read whole. It warms up, then counts
 * only the answers completed inside the measured window.
 *
 * <p>A few selector threads ({@code workers}, default one) drive all connections, rather than a
 * thread per connection, so that on a 2-core machine the generator takes as little CPU and as few
 * context switches from the server under test as it can. Requests are encoded once, up front.
 *
 * <p>Answers completed after the window (and before the loop notices) are counted with the time
 * they took, so the requests per second divide by the window actually run.
 *
 * <p>Closed loop means a slow answer delays that connection's next request, so the percentiles are
 * those of the answers actually sent (no coordinated-omission correction); both the baseline and
 * the gateway are measured the same way.
 */
public final class LoadGenerator {
  /** Latencies up to a minute, 3 significant digits: 1 µs resolution below a millisecond. */
  private static final long HIGHEST_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final InetSocketAddress target;
  private final Options options;

  /**
   * @param connections keep-alive connections, each with one request in flight
   * @param warmUp answers in this first period are not counted
   * @param measured the counted window after the warm-up
   * @param workers selector threads sharing the connections
   * @param minimumAnswers the window is extended (up to {@link #MAX_EXTENSION}) until each worker
   *     has counted this many answers: for correctness tests on a busy machine, 0 for benchmarks
   */
  public record Options(
      int connections, Duration warmUp, Duration measured, int workers, int minimumAnswers) {
    public static final Duration MAX_EXTENSION = Duration.ofSeconds(30);

    public Options {
      if (connections < 1 || workers < 1 || workers > connections) {
        throw new IllegalArgumentException(
            "need 1 <= workers <= connections, got " + workers + " and " + connections);
      }
    }

    public Options(int connections, Duration warmUp, Duration measured, int workers) {
      this(connections, warmUp, measured, workers, 0);
    }
  }

  /**
   * What to send and what every answer must be.
   *
   * @param requests encoded requests, sent in turn (one is enough; many distinct ones defeat a
   *     cache)
   * @param requiredHeader a header every answer must carry, or null
   */
  public record Workload(List<byte[]> requests, String requiredHeader) {
    public Workload {
      if (requests.isEmpty()) {
        throw new IllegalArgumentException("no requests");
      }
      requests = List.copyOf(requests);
    }
  }

  public LoadGenerator(InetSocketAddress target, Options options) {
    this.target = target;
    this.options = options;
  }

  public LoadResult run(Workload workload) {
    long start = System.nanoTime();
    long measureFrom = start + options.warmUp().toNanos();
    long measureUntil = measureFrom + options.measured().toNanos();
    ExecutorService threads = Executors.newFixedThreadPool(options.workers());
    try {
      List<Future<Tally>> tallies = new ArrayList<>();
      for (int worker = 0; worker < options.workers(); worker++) {
        int connections =
            options.connections() / options.workers()
                + (worker < options.connections() % options.workers() ? 1 : 0);
        Worker task = new Worker(worker, connections, workload, measureFrom, measureUntil);
        tallies.add(threads.submit(task::run));
      }
      Tally total = new Tally();
      for (Future<Tally> tally : tallies) {
        total.add(tally.get());
      }
      return new LoadResult(
          (total.stoppedAt - measureFrom) / 1e9,
          total.latencies,
          total.statusCounts,
          total.missingHeader,
          total.errors,
          total.answersIncludingWarmUp);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while generating load", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a load generator thread failed", e.getCause());
    } finally {
      threads.shutdownNow();
    }
  }

  /** Counts of one worker, merged at the end (each worker is single-threaded: no locking). */
  private static final class Tally {
    final Histogram latencies = new Histogram(HIGHEST_LATENCY_NANOS, 3);
    final SortedMap<Integer, Long> statusCounts = new TreeMap<>();
    long missingHeader;
    long errors;
    long answersIncludingWarmUp;
    long stoppedAt;

    void add(Tally other) {
      stoppedAt = Math.max(stoppedAt, other.stoppedAt);
      latencies.add(other.latencies);
      other.statusCounts.forEach((status, count) -> statusCounts.merge(status, count, Long::sum));
      missingHeader += other.missingHeader;
      errors += other.errors;
      answersIncludingWarmUp += other.answersIncludingWarmUp;
    }
  }

  private final class Worker {
    private final int index;
    private final int connectionCount;
    private final Workload workload;
    private final long measureFrom;
    private final long measureUntil;
    private final Tally tally = new Tally();
    private long sent;

    Worker(int index, int connectionCount, Workload workload, long measureFrom, long measureUntil) {
      this.index = index;
      this.connectionCount = connectionCount;
      this.workload = workload;
      this.measureFrom = measureFrom;
      this.measureUntil = measureUntil;
    }

    Tally run() throws IOException {
      try (Selector selector = Selector.open()) {
        List<Connection> connections = new ArrayList<>();
        try {
          for (int i = 0; i < connectionCount; i++) {
            Connection connection = new Connection(selector);
            connections.add(connection);
            connection.sendNext();
          }
          loop(selector);
        } finally {
          for (Connection connection : connections) {
            connection.close();
          }
        }
      }
      return tally;
    }

    private void loop(Selector selector) throws IOException {
      long hardStop = measureUntil + Options.MAX_EXTENSION.toNanos();
      while (true) {
        long now = System.nanoTime();
        boolean enough = tally.latencies.getTotalCount() >= options.minimumAnswers();
        if ((now >= measureUntil && enough) || now >= hardStop) {
          tally.stoppedAt = now;
          return;
        }
        long remaining = (now < measureUntil ? measureUntil : hardStop) - now;
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
        for (SelectionKey key : selector.selectedKeys()) {
          Connection connection = (Connection) key.attachment();
          if (key.isValid() && key.isWritable()) {
            connection.write();
          }
          if (key.isValid() && key.isReadable()) {
            connection.read();
          }
        }
        selector.selectedKeys().clear();
      }
    }

    private byte[] nextRequest() {
      List<byte[]> requests = workload.requests();
      long turn = sent++ * options.workers() + index;
      return requests.get((int) (turn % requests.size()));
    }

    private void count(int status, boolean hasRequiredHeader, long sentAt, long answeredAt) {
      tally.answersIncludingWarmUp++;
      if (answeredAt < measureFrom) {
        return;
      }
      tally.latencies.recordValue(Math.min(answeredAt - sentAt, HIGHEST_LATENCY_NANOS));
      tally.statusCounts.merge(status, 1L, Long::sum);
      if (!hasRequiredHeader) {
        tally.missingHeader++;
      }
    }

    private void countError() {
      long now = System.nanoTime();
      if (now >= measureFrom) {
        tally.errors++;
      }
    }

    /** One keep-alive connection with at most one request in flight. */
    private final class Connection {
      private final Selector selector;
      private final HttpResponseParser parser = new HttpResponseParser(workload.requiredHeader());
      private SocketChannel channel;
      private SelectionKey key;
      private ByteBuffer request;
      private long sentAt;

      Connection(Selector selector) throws IOException {
        this.selector = selector;
        open();
      }

      private void open() throws IOException {
        channel = SocketChannel.open();
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.connect(target);
        channel.configureBlocking(false);
        key = channel.register(selector, SelectionKey.OP_READ, this);
        parser.reset();
      }

      void sendNext() throws IOException {
        request = ByteBuffer.wrap(nextRequest());
        sentAt = System.nanoTime();
        write();
      }

      void write() throws IOException {
        try {
          channel.write(request);
        } catch (IOException e) {
          reconnect();
          return;
        }
        key.interestOps(
            request.hasRemaining()
                ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
                : SelectionKey.OP_READ);
      }

      void read() throws IOException {
        int read;
        try {
          read = channel.read(parser.writableBuffer());
        } catch (IOException e) {
          read = -1;
        }
        if (read < 0) {
          reconnect();
          return;
        }
        boolean complete;
        try {
          complete = parser.complete();
        } catch (HttpResponseParser.ProtocolException e) {
          reconnect();
          return;
        }
        if (!complete) {
          return;
        }
        count(parser.status(), parser.hasRequiredHeader(), sentAt, System.nanoTime());
        boolean closeAfter = parser.closeAfter();
        parser.reset();
        if (closeAfter) {
          close();
          open();
        }
        sendNext();
      }

      /** The server closed the connection or sent nonsense: count it, start over, carry on. */
      private void reconnect() throws IOException {
        countError();
        close();
        try {
          open();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot reconnect to " + target, e);
        }
        sendNext();
      }

      void close() {
        try {
          channel.close();
        } catch (IOException e) {
          // Closing is all that is left to do with it.
        }
      }
    }
  }
}
