package dev.apitoken.operator.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps every log line written during the tests (wired in logback-test.xml), so tests can prove
 * that no token value ever reaches a log.
 */
public final class CapturedLogs extends AppenderBase<ILoggingEvent> {
  private static final List<String> LINES = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(event.getFormattedMessage());
    var thrown = event.getThrowableProxy();
    while (thrown != null) {
      line.append(" | ").append(thrown.getClassName()).append(": ").append(thrown.getMessage());
      thrown = thrown.getCause();
    }
    LINES.add(line.toString());
  }

  public static List<String> lines() {
    return List.copyOf(LINES);
  }
}
