package dev.apitoken.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import java.util.regex.Pattern;

/**
 * The gateway's logs, in the operator's two formats ({@code --log-format text|json}, {@code
 * --log-level error|warn|info|debug|trace}): one line per event on standard output, never split by
 * a newline inside a message. The gateway logs through {@link System.Logger}, that is
 * java.util.logging; this replaces its two-line console default.
 */
final class GatewayLogging {
  static final String TEXT = "text";
  static final String JSON = "json";

  /** The JDK HTTP client logs request headers (bearer tokens) when asked to: never let it. */
  private static final Logger JDK_HTTP_CLIENT_LOG = Logger.getLogger("jdk.httpclient.HttpClient");

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
  private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private GatewayLogging() {}

  /**
   * @param format {@code text} or {@code json}
   * @param level {@code error}, {@code warn}, {@code info}, {@code debug} or {@code trace}
   */
  static void configure(String format, String level, OutputStream out) {
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Level julLevel = level(level);
    Handler handler =
        new StreamHandler(out, JSON.equals(format) ? new JsonLine() : new TextLine()) {
          @Override
          public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush(); // a line is written when it happens, not when a buffer fills
          }
        };
    handler.setLevel(julLevel);
    try {
      handler.setEncoding(StandardCharsets.UTF_8.name());
    } catch (java.io.UnsupportedEncodingException impossible) {
      throw new IllegalStateException(impossible);
    }
    root.addHandler(handler);
    root.setLevel(julLevel);
    JDK_HTTP_CLIENT_LOG.setLevel(Level.OFF);
  }

  static Level level(String level) {
    return switch (level.toLowerCase(Locale.ROOT)) {
      case "error" -> Level.SEVERE;
      case "warn" -> Level.WARNING;
      case "debug" -> Level.FINE;
      case "trace" -> Level.FINEST;
      default -> Level.INFO;
    };
  }

  /** The operator's level names, not java.util.logging's (SEVERE, FINE...). */
  static String levelName(Level level) {
    int value = level.intValue();
    if (value >= Level.SEVERE.intValue()) {
      return "ERROR";
    } else if (value >= Level.WARNING.intValue()) {
      return "WARN";
    } else if (value >= Level.INFO.intValue()) {
      return "INFO";
    } else if (value >= Level.FINE.intValue()) {
      return "DEBUG";
    }
    return "TRACE";
  }

  private static String message(LogRecord record) {
    String text = record.getMessage();
    Object[] parameters = record.getParameters();
    if (text != null && parameters != null && parameters.length > 0) {
      try {
        text = MessageFormat.format(text, parameters);
      } catch (IllegalArgumentException notAPattern) {
        // printed as given
      }
    }
    return text == null ? "" : text;
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter trace = new StringWriter();
    thrown.printStackTrace(new PrintWriter(trace));
    return trace.toString().strip();
  }

  /** {@code 2026-01-01T00:00:00.000Z INFO [thread] logger - message}, as the operator writes. */
  static final class TextLine extends Formatter {
    @Override
    public String format(LogRecord record) {
      StringBuilder line =
          new StringBuilder()
              .append(TIME.format(record.getInstant()))
              .append(' ')
              .append(String.format("%-5s", levelName(record.getLevel())))
              .append(" [")
              .append(Thread.currentThread().getName())
              .append("] ")
              .append(record.getLoggerName())
              .append(" - ")
              .append(LINE_BREAK.matcher(message(record)).replaceAll("\\\\n"));
      if (record.getThrown() != null) {
        line.append(" | ")
            .append(stackTrace(record.getThrown()).replaceAll("(\r\n|\r|\n)\\s*", " | "));
      }
      return line.append(System.lineSeparator()).toString();
    }
  }

  /** The operator's JSON fields: timestamp, level, logger, thread, message, stack_trace. */
  static final class JsonLine extends Formatter {
    @Override
    public String format(LogRecord record) {
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put("timestamp", TIME.format(Instant.from(record.getInstant())));
      fields.put("level", levelName(record.getLevel()));
      fields.put("logger", record.getLoggerName());
      fields.put("thread", Thread.currentThread().getName());
      fields.put("message", message(record));
      if (record.getThrown() != null) {
        fields.put("stack_trace", stackTrace(record.getThrown()));
      }
      try {
        return MAPPER.writeValueAsString(fields) + System.lineSeparator();
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
