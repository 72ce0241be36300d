package dev.apitoken.operator.runtime;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.util.regex.Pattern;

/**
 * Human-readable, and still one line per event: newlines inside a message are escaped as {@code \n}
 * and a stack trace is folded onto the event's line with {@code " | "} between frames, so a log
 * pipeline never splits one event (or takes a forged line from a message).
 */
final class TextLineLayout extends LayoutBase<ILoggingEvent> {
  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{36} - %msg%nopex";

  private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");
  private static final Pattern STACK_LINE_BREAK = Pattern.compile("(\r\n|\r|\n)\\s*");

  private final PatternLayout prefix = new PatternLayout();

  @Override
  public void start() {
    prefix.setContext(getContext());
    prefix.setPattern(PATTERN);
    prefix.start();
    super.start();
  }

  @Override
  public void stop() {
    prefix.stop();
    super.stop();
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder line =
        new StringBuilder(LINE_BREAK.matcher(prefix.doLayout(event)).replaceAll("\\\\n"));
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      String stack = ThrowableProxyUtil.asString(thrown).strip();
      line.append(" | ").append(STACK_LINE_BREAK.matcher(stack).replaceAll(" | "));
    }
    return line.append(CoreConstants.LINE_SEPARATOR).toString();
  }
}
