package dev.apitoken.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
  private static final LoadGenerator.Options SHORT =
      new LoadGenerator.Options(4, Duration.ofMillis(100), Duration.ofMillis(300), 2, 20);

  @Test
  void countsEveryAnswerOfTheBaselineAsA200WithItsIdentityHeaders() throws Exception {
    try (NoOpAuthServer baseline = NoOpAuthServer.start(4)) {
      LoadResult result =
          new LoadGenerator(address(baseline.port()), SHORT)
              .run(
                  new LoadGenerator.Workload(
                      List.of(Requests.authRequest(baseline.port(), "Bearer x")),
                      NoOpAuthServer.SUBJECT_HEADER));

      assertThat(result.answers()).isPositive();
      assertThat(result.statusCounts()).containsOnlyKeys(200);
      assertThat(result.wrongAnswers(200)).isZero();
      assertThat(result.latencyMicros(99)).isPositive();
    }
  }

  @Test
  void aServerAnsweringSomethingElseIsCountedAsWrong() throws Exception {
    try (NoOpAuthServer baseline = NoOpAuthServer.start(4)) {
      LoadResult result =
          new LoadGenerator(address(baseline.port()), SHORT)
              .run(
                  new LoadGenerator.Workload(
                      List.of(
                          Requests.authRequest(baseline.port(), null),
                          "GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n".getBytes()),
                      NoOpAuthServer.SUBJECT_HEADER));

      assertThat(result.statusCounts()).containsKeys(200, 404);
      assertThat(result.missingHeader()).isEqualTo(result.statusCounts().get(404));
      assertThat(result.wrongAnswers(200)).isEqualTo(2 * result.statusCounts().get(404));
      assertThat(result.describeAnswers())
          .contains("404 x")
          .contains("without the expected header");
    }
  }

  private static InetSocketAddress address(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }
}
