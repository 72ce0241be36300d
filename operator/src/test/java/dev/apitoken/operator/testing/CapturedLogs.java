package dev.apitoken.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
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

  /**
   * Fails if any captured line holds one of the tokens, as written or as it sits base64-encoded in
   * a Secret. The signature alone identifies a token, so it is what the check looks for.
   */
  public static void assertNoTokenIn(Collection<String> tokens) {
    assertThat(tokens).as("tokens seen by the tests").isNotEmpty();
    List<String> lines = lines();
    assertThat(lines).isNotEmpty();
    for (String token : tokens) {
      String signature = token.substring(token.lastIndexOf('.') + 1);
      String base64 = Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.US_ASCII));
      assertThat(lines)
          .noneMatch(line -> line.contains(signature) || line.contains(base64.substring(0, 40)));
    }
  }
}
