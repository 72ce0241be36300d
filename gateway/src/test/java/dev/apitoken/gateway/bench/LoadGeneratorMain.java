package dev.apitoken.gateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@link LoadGenerator} from the command line, against servers {@code GatewayBenchmark --serve}
 * keeps up, to compare it with {@code wrk} at the same concurrency: {@code --port P [--connections
 * 16] [--workers 1] [--seconds 10] [--authorization-file F] [--expect 200]}.
 */
public final class LoadGeneratorMain {
  private LoadGeneratorMain() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    int connections = 16;
    int workers = 1;
    int seconds = 10;
    int expected = 200;
    String authorization = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(value);
        case "--connections" -> connections = Integer.parseInt(value);
        case "--workers" -> workers = Integer.parseInt(value);
        case "--seconds" -> seconds = Integer.parseInt(value);
        case "--expect" -> expected = Integer.parseInt(value);
        case "--authorization-file" -> authorization = Files.readString(Path.of(value)).trim();
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    LoadResult result =
        new LoadGenerator(
                GatewayBenchmark.loopback(port),
                new LoadGenerator.Options(
                    connections, Duration.ofSeconds(2), Duration.ofSeconds(seconds), workers))
            .run(
                new LoadGenerator.Workload(
                    List.of(Requests.authRequest(port, authorization)), null));
    System.out.printf(
        "%,.0f requests/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms; %s%s%n",
        result.requestsPerSecond(),
        result.latencyMicros(50) / 1000,
        result.latencyMicros(99) / 1000,
        result.latencyMicros(99.9) / 1000,
        result.describeAnswers(),
        result.wrongAnswers(expected) == 0 ? "" : " (WRONG ANSWERS)");
  }
}
