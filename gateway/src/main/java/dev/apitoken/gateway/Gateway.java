package dev.apitoken.gateway;

import com.sun.net.httpserver.HttpServer;
import dev.apitoken.verifier.TokenVerifier;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * A running gateway: the auth port ({@code /auth}, {@code /envoy/...}) and the management port
 * ({@code /healthz}, {@code /readyz}, {@code /metrics}), one {@link TokenVerifier}, the policy.
 * Start it with {@link #start(GatewayConfig)}; ports 0 pick free ones, see {@link #port()}.
 */
public final class Gateway implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

  private final HttpServer auth;
  private final HttpServer management;
  private final ExecutorService authThreads;
  private final ExecutorService managementThreads;
  private final VerifierStarter verifiers;
  private final PolicyWatcher policyWatcher;

  private Gateway(
      HttpServer auth,
      HttpServer management,
      ExecutorService authThreads,
      ExecutorService managementThreads,
      VerifierStarter verifiers,
      PolicyWatcher policyWatcher) {
    this.auth = auth;
    this.management = management;
    this.authThreads = authThreads;
    this.managementThreads = managementThreads;
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
    ExecutorService authThreads = null;
    ExecutorService managementThreads = null;
    HttpServer auth = null;
    HttpServer management = null;
    try {
      auth = HttpServers.authServer(new InetSocketAddress(config.port()), config.threads());
      authThreads = (ExecutorService) auth.getExecutor();
      managementThreads = HttpServers.pool("gateway-management", 2, 64);
      auth.createContext("/auth", new AuthHandler(Endpoint.AUTH, policy, verifiers, metrics));
      auth.createContext("/traefik", new AuthHandler(Endpoint.TRAEFIK, policy, verifiers, metrics));
      auth.createContext(
          AuthHandler.ENVOY_PREFIX, new AuthHandler(Endpoint.ENVOY, policy, verifiers, metrics));
      management =
          HttpServers.create(new InetSocketAddress(config.managementPort()), 64, managementThreads);
      management.createContext("/", new ManagementHandler(verifiers, policyStatus, metrics));
      auth.start();
      management.start();
    } catch (IOException | RuntimeException e) {
      if (auth != null) {
        auth.stop(0);
      }
      if (management != null) {
        management.stop(0);
      }
      if (authThreads != null) {
        authThreads.shutdownNow();
      }
      if (managementThreads != null) {
        managementThreads.shutdownNow();
      }
      verifiers.close();
      if (policyWatcher != null) {
        policyWatcher.close();
      }
      throw e;
    }
    LOG.log(
        Level.INFO,
        "gateway listening: auth on {0}, management on {1}",
        String.valueOf(auth.getAddress().getPort()),
        String.valueOf(management.getAddress().getPort()));
    return new Gateway(auth, management, authThreads, managementThreads, verifiers, policyWatcher);
  }

  /** The auth port actually bound. */
  public int port() {
    return auth.getAddress().getPort();
  }

  /** The management port actually bound. */
  public int managementPort() {
    return management.getAddress().getPort();
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
    auth.stop(drainSeconds);
    management.stop(0);
    authThreads.shutdownNow();
    managementThreads.shutdownNow();
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
