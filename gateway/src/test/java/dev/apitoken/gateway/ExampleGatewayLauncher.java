package dev.apitoken.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts a gateway from a command line exactly as {@link GatewayMain} reads it, for the tests of
 * examples/gateway/ (package {@code examples}), with a test clock and fast reload polling.
 */
public final class ExampleGatewayLauncher {
  private static final Duration FAST = Duration.ofMillis(50);

  private ExampleGatewayLauncher() {}

  public static Gateway start(List<String> args, Clock clock) throws Exception {
    GatewayConfig parsed = GatewayOptions.parse(args.toArray(String[]::new), Map.of());
    return Gateway.start(
        new GatewayConfig(
            parsed.port(),
            parsed.managementPort(),
            parsed.trustDirectory(),
            parsed.trustUrl(),
            parsed.issuer(),
            parsed.policyFile(),
            parsed.cacheSize(),
            Math.min(parsed.threads(), 4),
            clock,
            FAST,
            FAST,
            parsed.logFormat(),
            parsed.logLevel()));
  }
}
