package dev.apitoken.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apitoken.gateway.Gateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The benchmark's scenarios under a short load: every answer is the status the benchmark expects
 * (so its numbers are numbers of the right answers). Asserts correctness only, never speed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayBenchmarkSmokeTest {
  private static final LoadGenerator.Options SHORT =
      new LoadGenerator.Options(2, Duration.ofMillis(50), Duration.ofMillis(200), 1, 20);
  private static final BenchTrust TRUST = new BenchTrust();

  private NoOpAuthServer baseline;
  private Gateway gateway;

  @BeforeAll
  void start(@TempDir Path trustDirectory) throws Exception {
    TRUST.writeTo(trustDirectory);
    baseline = NoOpAuthServer.start(4);
    gateway = GatewayBenchmark.startGateway(trustDirectory, 4, 16);
    GatewayBenchmark.awaitTrust(gateway, BenchTrust.bearer(TRUST.valid(1)));
  }

  @AfterAll
  void stop() {
    gateway.close();
    baseline.close();
  }

  static Stream<Arguments> scenarios() {
    return Stream.of(
        Arguments.of("valid", List.of(TRUST.valid(1)), 200),
        Arguments.of("distinct valid, more than the cache holds", TRUST.distinctValid(64), 200),
        Arguments.of("bad signature", List.of(TRUST.badSignature()), 401),
        Arguments.of("garbage", List.of(BenchTrust.garbage()), 401),
        Arguments.of("revoked", List.of(TRUST.revoked()), 401));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void everyAnswerOfTheGatewayIsTheExpectedOne(String name, List<String> tokens, int expected) {
    LoadResult result = load(gateway.port(), tokens, expected == 200 ? "X-Auth-Subject" : null);

    assertThat(result.answers()).isPositive();
    assertThat(result.wrongAnswers(expected)).as(result.describeAnswers()).isZero();
  }

  @ParameterizedTest(name = "no token: {0}")
  @MethodSource("servers")
  void withoutATokenTheGatewayAnswers401AndTheBaseline200(String server) {
    boolean isBaseline = server.equals("baseline");
    LoadResult result =
        new LoadGenerator(
                GatewayBenchmark.loopback(isBaseline ? baseline.port() : gateway.port()), SHORT)
            .run(
                new LoadGenerator.Workload(
                    List.of(Requests.authRequest(gateway.port(), null)),
                    isBaseline ? "X-Auth-Subject" : null));

    assertThat(result.answers()).isPositive();
    assertThat(result.wrongAnswers(isBaseline ? 200 : 401)).as(result.describeAnswers()).isZero();
  }

  static Stream<String> servers() {
    return Stream.of("baseline", "gateway");
  }

  private static LoadResult load(int port, List<String> tokens, String requiredHeader) {
    return new LoadGenerator(GatewayBenchmark.loopback(port), SHORT)
        .run(
            new LoadGenerator.Workload(
                tokens.stream()
                    .map(token -> Requests.authRequest(port, BenchTrust.bearer(token)))
                    .toList(),
                requiredHeader));
  }
}
