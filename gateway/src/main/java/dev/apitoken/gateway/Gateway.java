package dev.apitoken.gateway;

import dev.apitoken.http.HttpService;
import dev.apitoken.verifier.TokenVerifier;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A running gateway: the auth port ({@code /auth}, {@code /envoy/...}) and the management port
 * ({@code /healthz}, {@code /readyz}, {@code /metrics}), one {@link TokenVerifier}, the policy.
 * Start it with {@link #start(GatewayConfig)}; ports 0 pick free ones, see {@link #port()}.
 */
public final class Gateway implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

  private final HttpService auth;
  private final HttpService management;
  private final VerifierStarter verifiers;
  private final PolicyWatcher policyWatcher;

  private Gateway(
      HttpService auth,
      HttpService management,
      VerifierStarter verifiers,
      PolicyWatcher policyWatcher) {
    this.auth = auth;
    this.management = management;
    this.verifiers = verifiers;
    this.policyWatcher = policyWatcher;
  }

  /**
   * Starts serving. Trust that cannot be loaded yet does not stop the start (requests get 503 until
   * it loads); a policy file that cannot be used does.
   *
   * @throws PolicyException when the policy file cannot be read or is invalid
   * @throws IOException when a port cannot be bound
   */
  public static Gateway start(GatewayConfig config) throws PolicyException, IOException {
    GatewayMetrics metrics = new GatewayMetrics();
    PolicyWatcher policyWatcher =
        config.policyFile() == null
            ? null
            : new PolicyWatcher(
                config.policyFile(), config.policyPollInterval(), metrics, config.clock());
    Supplier<Policy> policy = policyWatcher == null ? () -> Policy.DEFAULT : policyWatcher::policy;
    Supplier<String> policyStatus =
        policyWatcher == null
            ? () -> "policy: none given, every request needs a valid token of any audience"
            : policyWatcher::status;
    VerifierStarter verifiers =
        new VerifierStarter(() -> buildVerifier(config), config.trustRetryInterval());
    HttpService auth = null;
    HttpService management = null;
    try {
      auth =
          HttpServers.authServer(new InetSocketAddress(config.port()), config.threads())
              .handle("/auth", new AuthHandler(Endpoint.AUTH, policy, verifiers, metrics))
              .handle("/traefik", new AuthHandler(Endpoint.TRAEFIK, policy, verifiers, metrics))
              .handle(
                  AuthHandler.ENVOY_PREFIX,
                  new AuthHandler(Endpoint.ENVOY, policy, verifiers, metrics))
              .start();
      management =
          HttpServers.managementServer(new InetSocketAddress(config.managementPort()))
              .handle("/", new ManagementHandler(verifiers, policyStatus, metrics))
              .start();
    } catch (RuntimeException e) {
      if (auth != null) {
        auth.close();
      }
      verifiers.close();
      if (policyWatcher != null) {
        policyWatcher.close();
      }
      if (e instanceof java.io.UncheckedIOException unbound) {
        throw unbound.getCause();
      }
      throw e;
    }
    LOG.log(
        Level.INFO,
        "gateway listening: auth on {0}, management on {1}",
        String.valueOf(auth.port()),
        String.valueOf(management.port()));
    return new Gateway(auth, management, verifiers, policyWatcher);
  }

  /** The auth port actually bound. */
  public int port() {
    return auth.port();
  }

  /** The management port actually bound. */
  public int managementPort() {
    return management.port();
  }

  /** Stops both ports at once, and the trust and policy followers. */
  @Override
  public void close() {
    stop(0);
  }

  /**
   * Stops accepting, gives requests in flight up to {@code drainSeconds} to finish, then stops both
   * ports and the trust and policy followers.
   */
  public void stop(int drainSeconds) {
    auth.stop(Duration.ofSeconds(drainSeconds));
    management.close();
    verifiers.close();
    if (policyWatcher != null) {
      policyWatcher.close();
    }
  }

  private static TokenVerifier buildVerifier(GatewayConfig config) {
    TokenVerifier.Builder builder =
        TokenVerifier.builder()
            .expectedIssuer(config.issuer())
            .clock(config.clock())
            .verifiedTokenCache(config.cacheSize());
    if (config.trustDirectory() != null) {
      builder.trustDirectory(config.trustDirectory());
    }
    if (config.trustUrl() != null) {
      builder.trustUrl(config.trustUrl());
    }
    return builder.build();
  }
}
