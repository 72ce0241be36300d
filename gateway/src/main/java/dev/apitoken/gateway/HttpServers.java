package dev.apitoken.gateway;

import dev.apitoken.http.HttpService;
import java.net.InetSocketAddress;

/**
 * How the gateway sets up its ports. Public so that the benchmark's no-op baseline runs on exactly
 * the auth port's setup, and differs from the gateway only in its handler.
 */
public final class HttpServers {
  /** Thread name prefix of the auth port (the benchmark counts their CPU time). */
  public static final String AUTH_THREADS = "gateway-http";

  private HttpServers() {}

  /** The auth port, not started: {@code threads} request threads and the default limits. */
  public static HttpService.Builder authServer(InetSocketAddress address, int threads) {
    return HttpService.on(address, AUTH_THREADS, HttpService.Limits.defaults(threads));
  }

  /** The management port: /healthz, /readyz and /metrics are cheap, two threads serve them. */
  static HttpService.Builder managementServer(InetSocketAddress address) {
    return HttpService.on(address, "gateway-management", HttpService.Limits.defaults(2));
  }
}
