package dev.apitoken.gateway;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of the gateway image: {@code java -jar apitoken-gateway.jar --help}. Exit codes: 0
 * after {@code --help}, 2 for a wrong command line, 1 when the gateway cannot start (a policy file
 * that cannot be used, a port in use).
 */
public final class GatewayMain {
  static final int EXIT_USAGE = 2;
  static final int EXIT_START_FAILED = 1;
  // Proxies retry a refused auth sub-request poorly: let those in flight finish on SIGTERM.
  static final int SHUTDOWN_DRAIN_SECONDS = 2;

  private GatewayMain() {}

  public static void main(String[] args) {
    if (GatewayOptions.wantsHelp(args)) {
      System.out.print(GatewayOptions.USAGE);
      return;
    }
    GatewayConfig config;
    try {
      config = GatewayOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("apitoken-gateway: " + e.getMessage());
      System.err.println("run with --help for usage");
      System.exit(EXIT_USAGE);
      return;
    }
    GatewayLogging.configure(config.logFormat(), config.logLevel(), System.out);
    Gateway gateway;
    try {
      gateway = Gateway.start(config);
    } catch (PolicyException | IOException e) {
      System.err.println("apitoken-gateway: cannot start: " + e.getMessage());
      System.exit(EXIT_START_FAILED);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gateway.stop(SHUTDOWN_DRAIN_SECONDS);
                  stopped.countDown();
                },
                "gateway-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
