package dev.apitoken.gateway;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything {@link Gateway#start(GatewayConfig)} needs; {@link GatewayOptions} reads it from the
 * command line and the environment, tests build it with {@link #builder(String)}.
 *
 * @param port the auth endpoints' port; 0 picks a free one
 * @param managementPort /healthz, /readyz and /metrics; 0 picks a free one
 * @param trustDirectory the mounted trust ConfigMap, or null
 * @param trustUrl the operator's Status List provider, or null (at least one of the two)
 * @param issuer the only {@code iss} accepted
 * @param policyFile the route policy YAML, or null for {@link Policy#DEFAULT}
 * @param cacheSize verified-token cache entries; 0 turns the cache off
 * @param threads request threads of the auth port
 * @param clock the verifier's clock for {@code exp} / {@code nbf} and status list freshness
 * @param policyPollInterval how often the policy file is checked for a change
 * @param trustRetryInterval how often an unloadable trust directory is tried again
 * @param logFormat {@code text} or {@code json}
 * @param logLevel {@code error}, {@code warn}, {@code info}, {@code debug} or {@code trace}
 */
public record GatewayConfig(
    int port,
    int managementPort,
    Path trustDirectory,
    URI trustUrl,
    String issuer,
    Path policyFile,
    int cacheSize,
    int threads,
    Clock clock,
    Duration policyPollInterval,
    Duration trustRetryInterval,
    String logFormat,
    String logLevel) {
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_MANAGEMENT_PORT = 9090;
  public static final int DEFAULT_CACHE_SIZE = 100_000;
  public static final Duration DEFAULT_POLICY_POLL_INTERVAL = Duration.ofSeconds(1);

  public GatewayConfig {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(clock, "clock");
    if (trustDirectory == null && trustUrl == null) {
      throw new IllegalArgumentException("set a trust directory, a trust URL or both");
    }
    if (cacheSize < 0) {
      throw new IllegalArgumentException("cacheSize must be 0 or more");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1");
    }
  }

  /** Twice the processors, at least 4: verifying is CPU-bound, a few threads cover I/O waits. */
  public static int defaultThreads() {
    return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
  }

  public static Builder builder(String issuer) {
    return new Builder(issuer);
  }

  /** A builder with the command line's defaults. */
  public static final class Builder {
    private final String issuer;
    private int port = DEFAULT_PORT;
    private int managementPort = DEFAULT_MANAGEMENT_PORT;
    private Path trustDirectory;
    private URI trustUrl;
    private Path policyFile;
    private int cacheSize = DEFAULT_CACHE_SIZE;
    private int threads = defaultThreads();
    private String logFormat = "text";
    private String logLevel = "info";
    private Clock clock = Clock.systemUTC();
    private Duration policyPollInterval = DEFAULT_POLICY_POLL_INTERVAL;
    private Duration trustRetryInterval = Duration.ofSeconds(1);

    private Builder(String issuer) {
      this.issuer = issuer;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder managementPort(int managementPort) {
      this.managementPort = managementPort;
      return this;
    }

    public Builder trustDirectory(Path trustDirectory) {
      this.trustDirectory = trustDirectory;
      return this;
    }

    public Builder trustUrl(URI trustUrl) {
      this.trustUrl = trustUrl;
      return this;
    }

    public Builder policyFile(Path policyFile) {
      this.policyFile = policyFile;
      return this;
    }

    public Builder cacheSize(int cacheSize) {
      this.cacheSize = cacheSize;
      return this;
    }

    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder policyPollInterval(Duration interval) {
      this.policyPollInterval = interval;
      return this;
    }

    public Builder trustRetryInterval(Duration interval) {
      this.trustRetryInterval = interval;
      return this;
    }

    public Builder logFormat(String logFormat) {
      this.logFormat = logFormat;
      return this;
    }

    public Builder logLevel(String logLevel) {
      this.logLevel = logLevel;
      return this;
    }

    public GatewayConfig build() {
      return new GatewayConfig(
          port,
          managementPort,
          trustDirectory,
          trustUrl,
          issuer,
          policyFile,
          cacheSize,
          threads,
          clock,
          policyPollInterval,
          trustRetryInterval,
          logFormat,
          logLevel);
    }
  }
}
