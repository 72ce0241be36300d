package dev.apitoken.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Slow clients against one port: connections that send a request head a byte at a time, held open
 * while well-behaved requests are timed. Shared by every module's port test (test-jar).
 */
public final class Slowloris implements AutoCloseable {
  private final List<Socket> connections = new ArrayList<>();

  private Slowloris() {}

  /** Opens {@code count} connections to {@code port}, each with half a request head sent. */
  public static Slowloris open(int port, int count) throws IOException {
    Slowloris attack = new Slowloris();
    try {
      for (int i = 0; i < count; i++) {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket
            .getOutputStream()
            .write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow-".getBytes(StandardCharsets.US_ASCII));
        attack.connections.add(socket);
      }
    } catch (IOException e) {
      attack.close();
      throw e;
    }
    return attack;
  }

  /**
   * Sends one more byte on every connection, then times {@code request} (which returns the status
   * it got and must get {@code expectedStatus}), {@code rounds} times; the slowest.
   */
  public Duration slowestOf(int rounds, int expectedStatus, Callable<Integer> request)
      throws Exception {
    long worst = 0;
    for (int round = 0; round < rounds; round++) {
      for (Socket socket : connections) {
        try {
          socket.getOutputStream().write('a');
        } catch (IOException closedByServer) {
          // The header deadline closed it: that is the server defending itself.
        }
      }
      long start = System.nanoTime();
      int status = request.call();
      worst = Math.max(worst, System.nanoTime() - start);
      if (status != expectedStatus) {
        throw new AssertionError("expected " + expectedStatus + " under attack, got " + status);
      }
    }
    return Duration.ofNanos(worst);
  }

  /** Connections the server has not closed yet (a read would not see end of stream). */
  public int held() {
    return (int) connections.stream().filter(s -> !s.isClosed()).count();
  }

  @Override
  public void close() {
    for (Socket socket : connections) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
