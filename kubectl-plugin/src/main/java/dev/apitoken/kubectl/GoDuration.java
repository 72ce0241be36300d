package dev.apitoken.kubectl;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as kubectl's flags take them: {@code 1h30m}, {@code 500ms}, or bare seconds. */
final class GoDuration {
  private static final Pattern PART = Pattern.compile("([0-9]+)(ms|h|m|s)");

  private GoDuration() {}

  static Duration parse(String text) {
    if (text.matches("[0-9]+")) {
      return Duration.ofSeconds(Long.parseLong(text));
    }
    Matcher part = PART.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (part.find() && part.start() == end) {
      long amount = Long.parseLong(part.group(1));
      total =
          total.plus(
              switch (part.group(2)) {
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
              });
      end = part.end();
    }
    if (end == 0 || end != text.length()) {
      throw new IllegalArgumentException("not a duration: " + text);
    }
    return total;
  }
}
