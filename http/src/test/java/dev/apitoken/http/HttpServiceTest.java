package dev.apitoken.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpServiceTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private HttpService serve(HttpService.Limits limits) {
    HttpService service =
        HttpService.on(new InetSocketAddress("127.0.0.1", 0), "test-http", limits)
            .handle("/", exchange -> answer(exchange, 200, "root " + exchange.getRequestURI()))
            .handle("/a", exchange -> answer(exchange, 200, "a " + exchange.getRequestURI()))
            .handle(
                "/echo",
                exchange -> {
                  byte[] body = exchange.getRequestBody().readAllBytes();
                  exchange
                      .getResponseHeaders()
                      .add("X-Got", exchange.getRequestHeaders().getFirst("X-Sent"));
                  exchange.sendResponseHeaders(201, body.length == 0 ? -1 : body.length);
                  if (body.length > 0) {
                    exchange.getResponseBody().write(body);
                  }
                  exchange.close();
                })
            .start();
    closing.add(service);
    return service;
  }

  /** A port whose {@code /poll} is answered {@code delay} later from another thread. */
  private HttpService answeringLater(HttpService.Limits limits, Duration delay) {
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    closing.add(later::shutdownNow);
    HttpService service =
        HttpService.on(new InetSocketAddress("127.0.0.1", 0), "test-http", limits)
            .handle(
                "/poll",
                exchange ->
                    later.schedule(
                        () -> {
                          answer(exchange, 200, "late");
                          return null;
                        },
                        delay.toMillis(),
                        TimeUnit.MILLISECONDS))
            .start();
    closing.add(service);
    return service;
  }

  private static void answer(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
    exchange.close();
  }

  private static HttpResponse<String> get(HttpService service, String path) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theLongestPrefixAnswersWithTheRawTarget() throws Exception {
    HttpService service = serve(HttpService.Limits.defaults(4));

    assertThat(get(service, "/a/b%2Fc?x=1").body()).isEqualTo("a /a/b%2Fc?x=1");
    assertThat(get(service, "/b;x/..;/c").body()).isEqualTo("root /b;x/..;/c");
    HttpResponse<String> echo =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/echo"))
                .header("X-Sent", "hello")
                .POST(HttpRequest.BodyPublishers.ofString("body"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(echo.statusCode()).isEqualTo(201);
    assertThat(echo.body()).isEqualTo("body");
    assertThat(echo.headers().firstValue("X-Got")).hasValue("hello");
  }

  @Test
  void anAnswerMayBeCompletedLaterFromAnotherThread() throws Exception {
    HttpService service = answeringLater(HttpService.Limits.defaults(1), Duration.ofMillis(300));

    // One request thread: both polls are parked without holding it.
    CompletableFuture<HttpResponse<String>> first =
        CLIENT.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/poll"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> second =
        CLIENT.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/poll"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(first.get(30, TimeUnit.SECONDS).body()).isEqualTo("late");
    assertThat(second.get(30, TimeUnit.SECONDS).body()).isEqualTo("late");
  }

  @Test
  void aParkedAnswerOutlivesTheIdleTimeout() throws Exception {
    HttpService service =
        answeringLater(
            HttpService.Limits.defaults(1).withIdleTimeout(Duration.ofMillis(500)),
            Duration.ofSeconds(2));

    try (Socket socket = new Socket("127.0.0.1", service.port())) {
      socket.setSoTimeout(30_000);
      socket
          .getOutputStream()
          .write("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readNBytes(17), StandardCharsets.US_ASCII);
      assertThat(answer).isEqualTo("HTTP/1.1 200 OK\r\n");
    }
  }

  @Test
  void aRequestHeadBeyondTheLimitIs431() throws Exception {
    HttpService service = serve(HttpService.Limits.defaults(2));

    HttpResponse<String> response =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/a"))
                .header("X-Big", "x".repeat(20_000))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(431);
  }

  @Test
  void aConnectionThatDoesNotFinishItsRequestHeadInTimeIsClosed() throws Exception {
    HttpService service =
        serve(HttpService.Limits.defaults(2).withHeaderTimeout(Duration.ofMillis(500)));

    try (Socket slow = new Socket("127.0.0.1", service.port())) {
      slow.setSoTimeout(30_000);
      OutputStream out = slow.getOutputStream();
      out.write("GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long start = System.nanoTime();
      // The server closes it: read returns end of stream (no answer is owed to half a request).
      InputStream in = slow.getInputStream();
      assertThat(in.read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }
    // A kept-alive connection gets the deadline again after each answer.
    try (Socket idle = new Socket("127.0.0.1", service.port())) {
      idle.setSoTimeout(30_000);
      idle.getOutputStream()
          .write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = idle.getInputStream();
      byte[] buffer = new byte[4096];
      int read = in.read(buffer);
      assertThat(new String(buffer, 0, read, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
      await().atMost(Duration.ofSeconds(20)).until(() -> in.read(buffer) == -1);
    }
  }

  /**
   * Issue 22: slow clients cannot stall the port. 1,000 connections send a request head a byte at a
   * time while well-behaved requests are answered; the JDK server with a few threads stalled
   * indefinitely here.
   */
  @Test
  void aThousandSlowlorisConnectionsDoNotStallWellBehavedRequests() throws Exception {
    HttpService service = serve(HttpService.Limits.defaults(4));
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 1_000; i++) {
        Socket socket = new Socket("127.0.0.1", service.port());
        socket
            .getOutputStream()
            .write("GET /a HTTP/1.1\r\nHost: x\r\nX-".getBytes(StandardCharsets.US_ASCII));
        slow.add(socket);
      }
      long worst = 0;
      for (int round = 0; round < 20; round++) {
        for (Socket socket : slow.subList(round * 50, round * 50 + 50)) {
          socket.getOutputStream().write('a');
        }
        long start = System.nanoTime();
        HttpResponse<String> response = get(service, "/a/well-behaved");
        worst = Math.max(worst, System.nanoTime() - start);
        assertThat(response.statusCode()).isEqualTo(200);
      }
      System.out.printf(
          "slowloris: 1000 slow connections held, worst well-behaved request %d ms%n",
          worst / 1_000_000);
      assertThat(Duration.ofNanos(worst)).isLessThan(Duration.ofSeconds(5));
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }
}
