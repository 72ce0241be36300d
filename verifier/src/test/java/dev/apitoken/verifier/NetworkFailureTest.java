package dev.apitoken.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Real failures of the JDK HTTP client, each explained in one line a person understands. */
class NetworkFailureTest {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static Throwable failureOf(String uri, Duration timeout) {
    try {
      CLIENT
          .sendAsync(
              HttpRequest.newBuilder(URI.create(uri)).timeout(timeout).build(),
              HttpResponse.BodyHandlers.discarding())
          .join();
    } catch (java.util.concurrent.CompletionException e) {
      return e;
    }
    throw new AssertionError("no failure from " + uri);
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aRefusedConnectionSaysSoAndNamesTheUrl() throws Exception {
    String uri = "http://127.0.0.1:" + closedPort() + "/.well-known/jwks.json";
    Throwable failure = failureOf(uri, Duration.ofSeconds(5));
    assertThat(NetworkFailure.explain("GET " + uri, failure))
        .isEqualTo("GET " + uri + ": connection refused")
        .doesNotContain("ClosedChannelException", " at ");
  }

  @Test
  void aServerThatNeverAnswersTimesOut() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Throwable failure =
          failureOf("http://127.0.0.1:" + silent.getLocalPort() + "/", Duration.ofMillis(300));
      assertThat(NetworkFailure.reason(failure)).isEqualTo("timed out waiting for the answer");
    }
  }

  @Test
  void anUnknownHostIsNamed() {
    Throwable failure = failureOf("http://no-such-host.invalid/", Duration.ofSeconds(5));
    assertThat(NetworkFailure.reason(failure)).startsWith("unknown host");
  }

  @Test
  void tlsToAServerThatSpeaksNoTlsSaysTls() throws Exception {
    try (ServerSocket plain = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread answer =
          new Thread(
              () -> {
                try (Socket s = plain.accept();
                    OutputStream out = s.getOutputStream()) {
                  s.getInputStream().read(new byte[1024]);
                  out.write(
                      "HTTP/1.1 400 Bad Request\r\n\r\nnot tls"
                          .getBytes(StandardCharsets.US_ASCII));
                } catch (Exception ignored) {
                  // the client has given up
                }
              });
      answer.start();
      Throwable failure =
          failureOf("https://127.0.0.1:" + plain.getLocalPort() + "/", Duration.ofSeconds(5));
      assertThat(NetworkFailure.reason(failure)).startsWith("TLS failed: ");
      answer.join(5000);
    }
  }

  @Test
  void anUnreachableTrustUrlIsReportedWithItsUrlAndReason() throws Exception {
    URI provider = URI.create("http://127.0.0.1:" + closedPort());
    try (TokenVerifier verifier =
        TokenVerifier.builder().trustUrl(provider).acceptAnyIssuer().watch(false).build()) {
      verifier.awaitTrust(Duration.ofSeconds(5));
      assertThat(verifier.trustHealth().problems())
          .anySatisfy(
              problem ->
                  assertThat(problem)
                      .contains("GET " + provider + "/.well-known/jwks.json: connection refused")
                      .doesNotContain("Exception"));
    }
  }
}
