package dev.apitoken.operator.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;
import org.slf4j.LoggerFactory;

/**
 * Configures logback in code from the operator's settings, replacing logback.xml: one appender to
 * standard output, writing one line per event as readable text ({@link TextLineLayout}) or as a
 * JSON object (logstash-logback-encoder: every structured argument, e.g. {@code kv("jti", jti)},
 * becomes a field of its own beside {@code message}). Whatever the level, the loggers that print
 * HTTP headers and bodies stay at INFO ({@link SecretBearingLoggers}).
 */
public final class LogSetup {
  /** The audit trail's logger: kept at INFO whatever the level, so audit lines are never lost. */
  public static final String AUDIT_LOGGER = "audit";

  /**
   * Fabric8 warns once per resource type that it uses an "unstable version": it says so of every
   * v1alpha1 or v1beta1 custom resource, ours included, although that version is the one our CRD
   * serves and nothing is wrong. That logger has no other message, so it is kept at ERROR.
   */
  public static final String UNSTABLE_VERSION_LOGGER =
      "io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils";

  /** Jetty's loggers, quiet below WARN unless the operator logs at DEBUG or TRACE. */
  static final String JETTY_LOGGER = "org.eclipse.jetty";

  /** The JDK HTTP client's logger. Held: java.util.logging forgets the level of a collected one. */
  static final java.util.logging.Logger JDK_HTTP_CLIENT_LOG =
      java.util.logging.Logger.getLogger("jdk.httpclient.HttpClient");

  // logstash-logback-encoder's marker for "leave this field out".
  private static final String IGNORE = "[ignore]";

  private LogSetup() {}

  /**
   * @param format {@code text} (default) or {@code json}
   * @param level {@code error}, {@code warn}, {@code info}, {@code debug} or {@code trace}
   */
  public static void configure(String format, String level) {
    configure(format, level, System.out);
  }

  /** As {@link #configure(String, String)}, writing to {@code out} instead of standard output. */
  public static void configure(String format, String level, OutputStream out) {
    configure((LoggerContext) LoggerFactory.getILoggerFactory(), format, level, out);
  }

  static void configure(LoggerContext context, String format, String level, OutputStream out) {
    context.reset();
    Encoder<ILoggingEvent> encoder = encoder(context, format);

    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setName("STDOUT");
    appender.setEncoder(encoder);
    // A later reset stops the appender, which closes its stream: never let that close stdout.
    appender.setOutputStream(new UnclosableStream(out));
    appender.start();

    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level == null ? "info" : level.trim(), Level.INFO));
    root.addAppender(appender);
    context.getLogger(AUDIT_LOGGER).setLevel(Level.INFO);
    context.getLogger(UNSTABLE_VERSION_LOGGER).setLevel(Level.ERROR);
    if (root.getLevel().isGreaterOrEqual(Level.INFO)) {
      // Jetty announces its version, each server and each connector at INFO, on start and stop;
      // HttpEndpoints and StatusListProvider say the same in one event line each (port included).
      context.getLogger(JETTY_LOGGER).setLevel(Level.WARN);
    }
    SecretBearingLoggers pin = new SecretBearingLoggers();
    pin.setContext(context);
    pin.setName("secret-bearing-loggers");
    pin.start();
    context.addTurboFilter(pin);
    // The JDK HTTP client logs headers (the bearer token among them) through System.Logger, that
    // is java.util.logging, once -Djdk.httpclient.HttpClient.log is set: never let it print.
    JDK_HTTP_CLIENT_LOG.setLevel(java.util.logging.Level.OFF);
    context.start();
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
    String chosen = format == null ? "text" : format.trim().toLowerCase(Locale.ROOT);
    if (chosen.equals("json")) {
      return jsonEncoder(context);
    }
    Layout<ILoggingEvent> layout = new TextLineLayout();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setCharset(StandardCharsets.UTF_8);
    encoder.setLayout(layout);
    encoder.start();
    return encoder;
  }

  /**
   * {@code timestamp} (ISO-8601, UTC), {@code level}, {@code logger}, {@code thread}, {@code
   * message}, {@code stack_trace} for a throwable, and one field per structured argument.
   */
  private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.setTimeZone("UTC");
    LogstashFieldNames names = new LogstashFieldNames();
    names.setTimestamp("timestamp");
    names.setLogger("logger");
    names.setThread("thread");
    names.setVersion(IGNORE);
    names.setLevelValue(IGNORE);
    encoder.setFieldNames(names);
    encoder.start();
    return encoder;
  }

  private static final class UnclosableStream extends FilterOutputStream {
    UnclosableStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
