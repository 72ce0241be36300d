package dev.apitoken.format;

/**
 * I-JSON (RFC 7493) text: Java strings are UTF-16, and once parsed a surrogate can only come from a
 * {@code \\u} escape, so a lone one is a broken escape that strict readers refuse.
 */
public final class WellFormedText {
  private WellFormedText() {}

  /** True when {@code text} holds a surrogate that is not half of a pair. */
  public static boolean hasUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
