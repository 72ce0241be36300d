package dev.apitoken.http;

import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One HTTP port: Jetty 12 running {@link HttpHandler}s by path prefix, as the JDK's {@code
 * HttpServer} would, but safe to expose.
 *
 * <p>The JDK server reads a request's headers on a pool thread with no deadline, so a few clients
 * sending headers a byte at a time (slowloris) hold every thread and stall the port. Jetty parses
 * headers on its selector without a thread per connection, and this adds what it lacks: a
 * header-read deadline (a connection that has not sent a whole request head within {@link
 * Limits#headerTimeout} of opening, or of its previous answer, is closed), an idle timeout, a
 * connection cap and a request-head size limit (431 beyond it).
 */
public final class HttpService implements AutoCloseable {
  /**
   * What one port allows.
   *
   * @param threads request threads (handlers may block on them)
   * @param maxConnections open connections at most; beyond, new ones wait in the listen backlog
   * @param headerTimeout to send a whole request head, from connect or from the previous answer
   * @param idleTimeout with no byte either way, while no request is being answered
   * @param maxHeaderBytes request line and headers together; larger gets 431
   */
  public record Limits(
      int threads,
      int maxConnections,
      Duration headerTimeout,
      Duration idleTimeout,
      int maxHeaderBytes) {
    public Limits {
      if (threads < 1 || maxConnections < 1 || maxHeaderBytes < 1024) {
        throw new IllegalArgumentException("threads, connections and header size must be positive");
      }
      Objects.requireNonNull(headerTimeout, "headerTimeout");
      Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    /** 10,000 connections, 10 s for a request head, 60 s idle, 16 KiB of request head. */
    public static Limits defaults(int threads) {
      return new Limits(threads, 10_000, Duration.ofSeconds(10), Duration.ofSeconds(60), 16 * 1024);
    }

    public Limits withHeaderTimeout(Duration timeout) {
      return new Limits(threads, maxConnections, timeout, idleTimeout, maxHeaderBytes);
    }

    public Limits withIdleTimeout(Duration timeout) {
      return new Limits(threads, maxConnections, headerTimeout, timeout, maxHeaderBytes);
    }

    public Limits withMaxConnections(int connections) {
      return new Limits(threads, connections, headerTimeout, idleTimeout, maxHeaderBytes);
    }
  }

  private final Server server;
  private final ServerConnector connector;
  private final ScheduledExecutorService deadlines;
  private final AtomicInteger inFlight;

  private HttpService(
      Server server,
      ServerConnector connector,
      ScheduledExecutorService deadlines,
      AtomicInteger inFlight) {
    this.server = server;
    this.connector = connector;
    this.deadlines = deadlines;
    this.inFlight = inFlight;
  }

  /** A port on {@code address} (port 0: any free one), with handlers added before start. */
  public static Builder on(InetSocketAddress address, String name, Limits limits) {
    return new Builder(address, name, limits);
  }

  /** The port it listens on. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Stops at once: every connection closed, answers in flight cut. */
  @Override
  public void close() {
    stop(Duration.ZERO);
  }

  /**
   * Stops accepting, gives the answers in flight up to {@code drain} to finish, then closes every
   * connection and stops the threads.
   */
  public void stop(Duration drain) {
    connector.close();
    long deadline = System.nanoTime() + drain.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10); // polling a counter while draining, not a test wait
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    try {
      server.stop();
    } catch (Exception e) {
      // Stopping is best effort: the port is being abandoned either way.
    } finally {
      deadlines.shutdownNow();
    }
  }

  public static final class Builder {
    private final InetSocketAddress address;
    private final String name;
    private final Limits limits;
    private final List<Map.Entry<String, HttpHandler>> contexts = new ArrayList<>();

    private Builder(InetSocketAddress address, String name, Limits limits) {
      this.address = address;
      this.name = name;
      this.limits = limits;
    }

    /**
     * Routes requests whose path is {@code prefix} or starts with it (the longest prefix wins), as
     * {@code HttpServer.createContext} does.
     */
    public Builder handle(String prefix, HttpHandler handler) {
      contexts.add(Map.entry(prefix, handler));
      return this;
    }

    /** Binds and starts; throws {@link UncheckedIOException} when the port cannot be bound. */
    public HttpService start() {
      QueuedThreadPool threads = new QueuedThreadPool(limits.threads() + 4, 2);
      threads.setName(name);
      threads.setDaemon(true);
      Server server = new Server(threads);
      HttpConfiguration http = new HttpConfiguration();
      http.setRequestHeaderSize(limits.maxHeaderBytes());
      http.setSendServerVersion(false);
      http.setSendXPoweredBy(false);
      // Every handler reads the raw path itself and refuses what it does not serve; the gateway
      // must see a path exactly as sent to answer it (its CanonicalPath refuses ambiguous ones).
      http.setUriCompliance(UriCompliance.UNSAFE);
      ServerConnector connector =
          new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
      connector.setHost(address.getHostString());
      connector.setPort(address.getPort());
      connector.setIdleTimeout(limits.idleTimeout().toMillis());
      connector.setAcceptQueueSize(1024);
      server.addConnector(connector);
      server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
      ScheduledExecutorService deadlines =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, name + "-header-deadline");
                thread.setDaemon(true);
                return thread;
              });
      HeaderDeadline headerDeadline = new HeaderDeadline(deadlines, limits.headerTimeout());
      connector.addBean(headerDeadline);
      List<Map.Entry<String, HttpHandler>> routes = new ArrayList<>(contexts);
      routes.sort(
          Comparator.comparingInt((Map.Entry<String, HttpHandler> e) -> e.getKey().length())
              .reversed());
      AtomicInteger inFlight = new AtomicInteger();
      server.setHandler(new Router(routes, headerDeadline, inFlight));
      try {
        server.start();
      } catch (Exception e) {
        deadlines.shutdownNow();
        try {
          server.stop();
        } catch (Exception ignored) {
          // already failing
        }
        throw new UncheckedIOException(
            new IOException("cannot serve on " + address + ": " + e.getMessage(), e));
      }
      return new HttpService(server, connector, deadlines, inFlight);
    }
  }

  /** Runs the handler of the longest matching prefix on the request's thread; 404 otherwise. */
  private static final class Router extends Handler.Abstract {
    private final List<Map.Entry<String, HttpHandler>> routes;
    private final HeaderDeadline headerDeadline;
    private final AtomicInteger inFlight;

    Router(
        List<Map.Entry<String, HttpHandler>> routes,
        HeaderDeadline headerDeadline,
        AtomicInteger inFlight) {
      this.routes = routes;
      this.headerDeadline = headerDeadline;
      this.inFlight = inFlight;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Connection connection = request.getConnectionMetaData().getConnection();
      headerDeadline.requestArrived(connection);
      inFlight.incrementAndGet();
      Callback answered =
          new Callback() {
            @Override
            public void succeeded() {
              done();
              callback.succeeded();
            }

            @Override
            public void failed(Throwable failure) {
              done();
              callback.failed(failure);
            }

            @Override
            public InvocationType getInvocationType() {
              return callback.getInvocationType();
            }

            private void done() {
              inFlight.decrementAndGet();
              headerDeadline.answered(connection);
            }
          };
      String path = request.getHttpURI().getPath();
      for (Map.Entry<String, HttpHandler> route : routes) {
        if (path != null && path.startsWith(route.getKey())) {
          JettyExchange.run(route.getKey(), route.getValue(), request, response, answered);
          return true;
        }
      }
      Response.writeError(request, response, answered, 404);
      return true;
    }
  }

  /**
   * Closes a connection that has not sent a whole request head in time: from its opening, and again
   * from each answer (the next request on a kept-alive connection). A request being answered has no
   * deadline (a long poll may take minutes); the idle timeout still applies around it.
   */
  private static final class HeaderDeadline implements Connection.Listener {
    private final ScheduledExecutorService scheduler;
    private final Duration timeout;
    private final Map<Connection, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();

    HeaderDeadline(ScheduledExecutorService scheduler, Duration timeout) {
      this.scheduler = scheduler;
      this.timeout = timeout;
    }

    @Override
    public void onOpened(Connection connection) {
      arm(connection);
    }

    @Override
    public void onClosed(Connection connection) {
      disarm(connection);
    }

    void requestArrived(Connection connection) {
      disarm(connection);
    }

    void answered(Connection connection) {
      if (connection.getEndPoint().isOpen()) {
        arm(connection);
      }
    }

    private void arm(Connection connection) {
      ScheduledFuture<?> deadline =
          scheduler.schedule(
              () -> {
                if (pending.remove(connection) != null) {
                  connection.getEndPoint().close();
                }
              },
              timeout.toMillis(),
              TimeUnit.MILLISECONDS);
      ScheduledFuture<?> previous = pending.put(connection, deadline);
      if (previous != null) {
        previous.cancel(false);
      }
    }

    private void disarm(Connection connection) {
      ScheduledFuture<?> deadline = pending.remove(connection);
      if (deadline != null) {
        deadline.cancel(false);
      }
    }
  }
}
