package dev.apitoken.operator.token;

import java.time.Duration;

/**
 * Go/Kubernetes-style durations as users write them in an ApiToken spec, a flag or a chart value:
 * one or more {@code <digits><unit>} parts with unit h, m or s, e.g. {@code 720h}, {@code 1h30m}.
 *
 * <p>No days: the CRD checks durations at admission with CEL's {@code duration()}, which, like Go
 * and every Kubernetes field, has no {@code d}. One grammar everywhere means a value copied from
 * the chart into an ApiToken (or back) means the same thing or is refused, never reinterpreted.
 */
public final class Durations {

  /**
   * The anchored regular expression the CRD validates with; {@link #parse} accepts exactly the
   * strings it matches. Each number is limited to nine digits so that every matching string fits a
   * {@link Duration} without overflow.
   */
  public static final String PATTERN = "^([0-9]{1,9}[hms])+$";

  private static final int MAX_DIGITS_PER_PART = 9;

  /**
   * The largest number of hours {@link #format} writes, because the hours part of its output must
   * itself match {@link #PATTERN}.
   */
  private static final long MAX_FORMATTED_HOURS = 999_999_999L;

  private Durations() {}

  /**
   * Parses a duration such as {@code 720h}, {@code 1h30m} or {@code 45s}.
   *
   * @throws IllegalArgumentException when the text does not match {@link #PATTERN}
   */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw notADuration(text);
    }
    // A hand-written scanner instead of PATTERN itself, because Java's regex engine recurses
    // per repetition and long inputs could overflow the stack.
    Duration total = Duration.ZERO;
    int position = 0;
    while (position < text.length()) {
      int digitsStart = position;
      while (position < text.length() && isAsciiDigit(text.charAt(position))) {
        position++;
      }
      int digitCount = position - digitsStart;
      if (digitCount == 0 || digitCount > MAX_DIGITS_PER_PART || position == text.length()) {
        throw notADuration(text);
      }
      long amount = Long.parseLong(text, digitsStart, position, 10);
      Duration unit = unitOf(text.charAt(position), text);
      position++;
      try {
        total = total.plus(unit.multipliedBy(amount));
      } catch (ArithmeticException tooLong) {
        throw new IllegalArgumentException("\"" + text + "\" is too long a duration");
      }
    }
    return total;
  }

  /**
   * Writes a duration in canonical form: hours, minutes and seconds, largest unit first, zero parts
   * left out ({@code 720h}, {@code 1h30m}, {@code 45s}); zero is {@code 0s}.
   *
   * @throws IllegalArgumentException for negative durations, fractions of a second or more than
   *     999999999 hours, none of which {@link #parse} could read back
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("a negative duration cannot be formatted: " + duration);
    }
    if (duration.getNano() != 0) {
      throw new IllegalArgumentException(
          "a duration with a fraction of a second cannot be formatted: " + duration);
    }
    long hours = duration.toHours();
    if (hours > MAX_FORMATTED_HOURS) {
      throw new IllegalArgumentException(
          "a duration over " + MAX_FORMATTED_HOURS + " hours cannot be formatted: " + duration);
    }
    int minutes = duration.toMinutesPart();
    int seconds = duration.toSecondsPart();
    StringBuilder text = new StringBuilder();
    if (hours > 0) {
      text.append(hours).append('h');
    }
    if (minutes > 0) {
      text.append(minutes).append('m');
    }
    if (seconds > 0 || text.length() == 0) {
      text.append(seconds).append('s');
    }
    return text.toString();
  }

  private static boolean isAsciiDigit(char character) {
    return character >= '0' && character <= '9';
  }

  private static Duration unitOf(char unit, String text) {
    return switch (unit) {
      case 'h' -> Duration.ofHours(1);
      case 'm' -> Duration.ofMinutes(1);
      case 's' -> Duration.ofSeconds(1);
      default -> throw notADuration(text);
    };
  }

  private static IllegalArgumentException notADuration(String text) {
    String shown = text == null ? "null" : "\"" + text + "\"";
    return new IllegalArgumentException(
        shown
            + " is not a duration: use a number followed by h, m or s, e.g. 720h"
            + daysHint(text));
  }

  /**
   * For a value written in days ({@code 30d}), the same in hours: the most common slip, since other
   * tools accept days.
   */
  public static String daysHint(String text) {
    if (text == null || !text.matches("[0-9]{1,7}d")) {
      return "";
    }
    long days = Long.parseLong(text.substring(0, text.length() - 1));
    return " (days are not accepted, as in Kubernetes: write " + days * 24 + "h for " + text + ")";
  }
}
