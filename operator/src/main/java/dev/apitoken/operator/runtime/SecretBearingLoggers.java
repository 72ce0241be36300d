package dev.apitoken.operator.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.List;
import org.slf4j.Marker;

/**
 * Keeps the loggers that print HTTP headers and bodies at INFO or quieter, whatever level the
 * operator runs at. Their DEBUG and TRACE output holds the service account's bearer token ({@code
 * Authorization} header), token Secrets and the key ring Secret with the private signing keys. A
 * turbo filter runs before any logger level, so neither {@code --log-level}, {@code
 * APITOKEN_LOG_LEVEL}, the chart's {@code logLevel} nor a {@code <logger>} line in a logback
 * configuration can turn them on; and {@code isTraceEnabled()} answers false, so Fabric8 does not
 * even install its HTTP logging interceptor.
 *
 * <p>Installed by {@link LogSetup} and by logback.xml (for runs that never call LogSetup).
 */
public final class SecretBearingLoggers extends TurboFilter {
  /** Logger names (and everything below them) that may log request or response content. */
  public static final List<String> PINNED =
      List.of(
          // Fabric8's HttpLoggingInterceptor: request and response headers and bodies at TRACE.
          "io.fabric8.kubernetes.client.http",
          // The mock API server (demo/ and tests): stored objects, Secrets included, at DEBUG.
          "io.fabric8.kubernetes.client.server.mock",
          "io.fabric8.mockwebserver",
          // JOSDK's server-side-apply matcher prints actual and desired resources at DEBUG.
          "io.javaoperatorsdk.operator.processing.dependent.kubernetes"
              + ".SSABasedGenericKubernetesResourceMatcher",
          // Jetty (the health, metrics and Status List ports): request heads at DEBUG.
          "org.eclipse.jetty",
          // Byte dumps of whole connections, should a pipeline ever add them (Vert.x, Netty).
          "io.netty.handler.logging",
          "io.vertx.core.net.impl.ConnectionBase",
          // OkHttp's own body logger, should the OkHttp client ever replace the JDK one.
          "okhttp3.logging");

  /** The most verbose level a pinned logger may write. */
  public static final Level MOST_VERBOSE = Level.INFO;

  /** True when {@code loggerName} is one of {@link #PINNED} or below one. */
  public static boolean isPinned(String loggerName) {
    for (String pinned : PINNED) {
      if (loggerName.equals(pinned)
          || (loggerName.startsWith(pinned) && loggerName.charAt(pinned.length()) == '.')
          || (loggerName.startsWith(pinned) && loggerName.charAt(pinned.length()) == '$')) {
        return true;
      }
    }
    return false;
  }

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level != null && !level.isGreaterOrEqual(MOST_VERBOSE) && isPinned(logger.getName())) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
