package dev.apitoken.operator.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.http.Slowloris;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.testing.FedConfigMaps;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.StatusListTokenSigner;
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
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that sends a long-poll and then stops reading must not delay anyone else's answer: the
 * list is far larger than the socket buffers, so its answer blocks, and the JDK server has no write
 * timeout of its own.
 */
class SlowClientTest {
  private static final String NAMESPACE = "apitoken-system";
  private static final String TRUST = "apitoken-trust";
  private static final String URI_BASE = "https://tokens.example/statuslist";

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final Random random = new Random(15);
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final FedConfigMaps api = new FedConfigMaps(NAMESPACE, TRUST);
  private KeyRing ring;
  private Instant signedAt = Instant.parse("2025-01-01T00:00:00Z");

  @BeforeEach
  void keys() {
    ring = KeyRing.create(signedAt, new SecureRandom());
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /**
   * Publishes a list of 50,331,648 indices with about half revoked at random: incompressible, so
   * the token is about 8 MB, beyond the 4 MB a loopback send buffer may grow to (tcp_wmem max).
   */
  private void publishLargeList() {
    byte[] bits = new byte[6 * 1024 * 1024];
    random.nextBytes(bits);
    signedAt = signedAt.plusSeconds(1);
    String jwt =
        new StatusListTokenSigner(
                Duration.ofHours(1), Duration.ofSeconds(30), Clock.fixed(signedAt, ZoneOffset.UTC))
            .sign(
                URI_BASE,
                1,
                StatusList.ofBytes(1, bits).encodeLst(),
                dev.apitoken.format.status.StatusListToken.Signed.NONE,
                ring.activeKey())
            .compact();
    api.publish(
        Map.of(
            TrustDocument.JWKS_KEY, ring.publicJwks(), TrustDocument.statusListTokenKey(0), jwt));
  }

  private StatusListProvider provider(Duration writeDeadline) {
    PublishedFiles files = new PublishedFiles(api, NAMESPACE, TRUST, URI_BASE);
    StatusListProvider provider =
        StatusListProvider.start(0, files, Duration.ofSeconds(30), 100, writeDeadline);
    files.start();
    closing.add(provider);
    closing.add(files);
    return provider;
  }

  private HttpRequest.Builder get(StatusListProvider provider, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + provider.port() + pathAndQuery))
        .timeout(Duration.ofSeconds(90));
  }

  private String currentEtag(StatusListProvider provider) throws Exception {
    HttpResponse<Void> head =
        http.send(
            get(provider, "/statuslist")
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
    return head.headers().firstValue("ETag").orElseThrow();
  }

  /** A long-poll from a client with a tiny receive buffer that never reads its answer. */
  private Socket stalledLongPoll(StatusListProvider provider, String etag) throws IOException {
    Socket socket = new Socket();
    closing.add(socket);
    socket.setReceiveBufferSize(1024);
    socket.connect(new InetSocketAddress("127.0.0.1", provider.port()));
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET /statuslist?wait=60s HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: "
                + etag
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private CompletableFuture<HttpResponse<String>> longPoll(
      StatusListProvider provider, String etag) {
    return http.sendAsync(
        get(provider, "/statuslist?wait=60s").header("If-None-Match", etag).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Issue 22: slow request heads stalled the JDK server's request threads, so a revoked token
   * stayed accepted by a --trust-url gateway for 45 s and more. 1,000 slowloris connections now
   * leave a long-poll's wake-up and ordinary GETs on time.
   */
  @Test
  void aThousandSlowlorisConnectionsDoNotDelayAnswersOrWakeUps() throws Exception {
    StatusListProvider provider = provider(StatusListProvider.ANSWER_WRITE_DEADLINE);
    publishLargeList();
    await().atMost(Duration.ofSeconds(30)).until(() -> currentEtagOrNull(provider) != null);
    try (Slowloris attack = Slowloris.open(provider.port(), 1_000)) {
      String etag = currentEtag(provider);
      CompletableFuture<HttpResponse<String>> poll = longPoll(provider, etag);
      await().atMost(Duration.ofSeconds(30)).until(() -> provider.waiters() == 1);
      long published = System.nanoTime();
      publishLargeList();
      assertThat(poll.get().statusCode()).isEqualTo(200);
      Duration wakeUp = Duration.ofNanos(System.nanoTime() - published);
      Duration slowest =
          attack.slowestOf(
              10,
              200,
              () ->
                  http.send(
                          get(provider, "/statuslist")
                              .method("HEAD", HttpRequest.BodyPublishers.noBody())
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode());
      System.out.printf(
          "status provider under 1,000 slowloris connections: wake-up %d ms, slowest HEAD %d ms%n",
          wakeUp.toMillis(), slowest.toMillis());
      assertThat(wakeUp).isLessThan(Duration.ofSeconds(10));
      assertThat(slowest).isLessThan(Duration.ofSeconds(2));
    }
  }

  private String currentEtagOrNull(StatusListProvider provider) {
    try {
      return currentEtag(provider);
    } catch (Exception | AssertionError notYet) {
      return null;
    }
  }

  @Test
  void aClientThatStopsReadingDoesNotDelayTheNextWakeUp() throws Exception {
    StatusListProvider provider = provider(StatusListProvider.ANSWER_WRITE_DEADLINE);
    publishLargeList();
    String first = currentEtag(provider);
    stalledLongPoll(provider, first);
    await().atMost(Duration.ofSeconds(10)).until(() -> provider.waiters() == 1);

    // Wakes the stalled client: its answer blocks once the buffers are full.
    HttpResponse<String> answer = wakeThenAnswerAReader(provider, Duration.ofSeconds(5));
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("ETag")).hasValue(currentEtag(provider));
  }

  @Test
  void clientsThatStopReadingLoseTheirConnectionsAtTheWriteDeadline() throws Exception {
    StatusListProvider provider = provider(Duration.ofSeconds(1));
    publishLargeList();
    String first = currentEtag(provider);
    List<Socket> stalled = new ArrayList<>();
    for (int i = 0; i < 6; i++) { // more than the answer threads
      stalled.add(stalledLongPoll(provider, first));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> provider.waiters() == 6);

    HttpResponse<String> answer = wakeThenAnswerAReader(provider, Duration.ofSeconds(15));
    assertThat(answer.statusCode()).isEqualTo(200);
    pastTheWriteDeadlineWithoutProgress(System.nanoTime());

    // What a stalled client sees when it reads at last: a cut-off answer, then the end.
    for (Socket socket : stalled) {
      socket.setSoTimeout(10_000);
      assertThat(bytesUntilClosed(socket.getInputStream())).isLessThan(answer.body().length());
    }
  }

  /**
   * The write deadline (1 s here) is a time without progress, Jetty's idle timeout on the port: a
   * client that reads again before it passes gets its whole answer. Three deadlines after the
   * stalled writes began, each has failed and its connection is closed.
   */
  private static void pastTheWriteDeadlineWithoutProgress(long stalledSinceNanos) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> System.nanoTime() - stalledSinceNanos > Duration.ofSeconds(3).toNanos());
  }

  /** More clients that send a plain GET and never read than there are request threads. */
  @Test
  void plainGetsFromClientsThatStopReadingDoNotStallTheServer() throws Exception {
    StatusListProvider provider = provider(Duration.ofSeconds(1));
    publishLargeList();
    List<Socket> stalled = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Socket socket = new Socket();
      closing.add(socket);
      socket.setReceiveBufferSize(1024);
      socket.connect(new InetSocketAddress("127.0.0.1", provider.port()));
      socket
          .getOutputStream()
          .write(
              "GET /statuslist HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      stalled.add(socket);
    }
    long stalledSince = System.nanoTime();
    HttpResponse<String> answer =
        http.send(get(provider, "/statuslist").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);
    pastTheWriteDeadlineWithoutProgress(stalledSince);
    for (Socket socket : stalled) {
      socket.setSoTimeout(10_000);
      assertThat(bytesUntilClosed(socket.getInputStream())).isLessThan(answer.body().length());
    }
  }

  /**
   * Publishes a new list (waking every parked long-poll), then parks a reading client and publishes
   * again: the reader's answer, which must arrive within {@code within}.
   */
  private HttpResponse<String> wakeThenAnswerAReader(StatusListProvider provider, Duration within)
      throws Exception {
    publishLargeList();
    await().atMost(Duration.ofSeconds(10)).until(() -> provider.waiters() == 0);
    CompletableFuture<HttpResponse<String>> reader = longPoll(provider, currentEtag(provider));
    await().atMost(Duration.ofSeconds(10)).until(() -> provider.waiters() == 1);
    publishLargeList();
    return await().atMost(within).until(() -> reader.getNow(null), r -> r != null);
  }

  private static long bytesUntilClosed(InputStream in) {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        total += n;
      }
    } catch (java.net.SocketException reset) {
      // a reset is a cut too
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return total;
  }
}
