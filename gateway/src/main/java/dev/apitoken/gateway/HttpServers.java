package dev.apitoken.gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How the gateway sets up its JDK HTTP servers. Public so that the benchmark's no-op baseline runs
 * on exactly the auth port's setup, and differs from the gateway only in its handler.
 */
public final class HttpServers {
  /** Connections waiting to be accepted on the auth port. */
  static final int AUTH_BACKLOG = 1024;

  /** Requests waiting for a thread beyond this are run by the accepting thread: backpressure. */
  static final int AUTH_QUEUE_CAPACITY = 1024;

  /** Read once, when the JDK server's configuration class loads: set before any server exists. */
  static final String NO_DELAY_PROPERTY = "sun.net.httpserver.nodelay";

  static {
    // The JDK server writes a response's head and its body in two writes. With Nagle's algorithm
    // on (the JDK's default), the body waits until the client acknowledges the head, and Linux
    // clients delay that acknowledgement by 40 ms: every 401 and 403 (they have a body) took
    // 40 ms or more, 350 answers per second on 16 connections (GatewayBenchmark).
    if (System.getProperty(NO_DELAY_PROPERTY) == null) {
      System.setProperty(NO_DELAY_PROPERTY, "true");
    }
  }

  private HttpServers() {}

  /**
   * The auth port's server, not started: {@code threads} request threads with a bounded queue.
   * Closing it means {@link HttpServer#stop} and shutting down its {@link HttpServer#getExecutor}.
   */
  public static HttpServer authServer(InetSocketAddress address, int threads) throws IOException {
    return create(address, AUTH_BACKLOG, pool("gateway-http", threads, AUTH_QUEUE_CAPACITY));
  }

  static HttpServer create(InetSocketAddress address, int backlog, ExecutorService threads)
      throws IOException {
    try {
      HttpServer server = HttpServer.create(address, backlog);
      server.setExecutor(threads);
      return server;
    } catch (IOException | RuntimeException e) {
      threads.shutdownNow();
      throw e;
    }
  }

  /**
   * A fixed pool with a bounded queue. When the queue is full the accepting thread runs the request
   * itself, which stops it accepting more until then: clients wait in the listen backlog instead of
   * the JVM queueing without limit.
   */
  static ExecutorService pool(String name, int threads, int queue) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queue),
        task -> {
          Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        },
        new ThreadPoolExecutor.CallerRunsPolicy());
  }
}
