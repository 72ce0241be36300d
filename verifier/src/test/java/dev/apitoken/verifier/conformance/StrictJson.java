package dev.apitoken.verifier.conformance;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader written from RFC 8259 and I-JSON (RFC 7493) alone, as docs/TRUST-FORMAT.md
 * asks a verifier to read JSON: UTF-8 without a byte order mark, no duplicate member names, no
 * unpaired surrogate escapes, nothing but whitespace after the value. It shares no code with the
 * verifier, so the fuzz test compares two independent readings of the format.
 *
 * <p>Values: {@code Map<String, Object>} (member order kept), {@code List<Object>}, {@code String},
 * {@link Number}, {@code Boolean}, and {@link #NULL}.
 */
final class StrictJson {
  /** The JSON literal null. */
  static final Object NULL = new Object();

  /** Deeper documents are refused; far beyond anything in our formats. */
  private static final int MAX_DEPTH = 2_000;

  /** A JSON number as written; {@code integer} when it has no fraction and no exponent. */
  record Number(String text, boolean integer) {
    BigInteger bigInteger() {
      return new BigInteger(text);
    }
  }

  /** The text is not strict JSON. */
  static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private final String text;
  private int at;

  private StrictJson(String text) {
    this.text = text;
  }

  static Object parse(byte[] utf8) throws Invalid {
    if (utf8.length >= 3
        && (utf8[0] & 0xFF) == 0xEF
        && (utf8[1] & 0xFF) == 0xBB
        && (utf8[2] & 0xFF) == 0xBF) {
      throw new Invalid("byte order mark");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString();
    } catch (CharacterCodingException e) {
      throw new Invalid("not UTF-8");
    }
    return parse(text);
  }

  static Object parse(String text) throws Invalid {
    if (text.startsWith("\uFEFF")) {
      throw new Invalid("byte order mark");
    }
    StrictJson reader = new StrictJson(text);
    reader.whitespace();
    Object value = reader.value(0);
    reader.whitespace();
    if (reader.at != text.length()) {
      throw new Invalid("content after the value at " + reader.at);
    }
    return value;
  }

  private Object value(int depth) throws Invalid {
    if (depth > MAX_DEPTH) {
      throw new Invalid("too deep");
    }
    if (at >= text.length()) {
      throw new Invalid("end of text where a value belongs");
    }
    char c = text.charAt(at);
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      case 'n':
        literal("null");
        return NULL;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw new Invalid("unexpected character at " + at);
    }
  }

  private Map<String, Object> object(int depth) throws Invalid {
    at++;
    Map<String, Object> members = new LinkedHashMap<>();
    whitespace();
    if (peek() == '}') {
      at++;
      return members;
    }
    while (true) {
      whitespace();
      if (peek() != '"') {
        throw new Invalid("member name expected at " + at);
      }
      String name = string();
      whitespace();
      expect(':');
      whitespace();
      Object value = value(depth + 1);
      if (members.containsKey(name)) {
        throw new Invalid("duplicate member " + name);
      }
      members.put(name, value);
      whitespace();
      char c = next();
      if (c == '}') {
        return members;
      }
      if (c != ',') {
        throw new Invalid("',' or '}' expected at " + (at - 1));
      }
    }
  }

  private List<Object> array(int depth) throws Invalid {
    at++;
    List<Object> elements = new ArrayList<>();
    whitespace();
    if (peek() == ']') {
      at++;
      return elements;
    }
    while (true) {
      whitespace();
      elements.add(value(depth + 1));
      whitespace();
      char c = next();
      if (c == ']') {
        return elements;
      }
      if (c != ',') {
        throw new Invalid("',' or ']' expected at " + (at - 1));
      }
    }
  }

  private String string() throws Invalid {
    expect('"');
    StringBuilder out = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        break;
      }
      if (c < 0x20) {
        throw new Invalid("control character in a string");
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> out.append(e);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> out.append(hex4());
        default -> throw new Invalid("bad escape");
      }
    }
    String value = out.toString();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new Invalid("unpaired surrogate");
      }
    }
    return value;
  }

  private char hex4() throws Invalid {
    if (at + 4 > text.length()) {
      throw new Invalid("short \\u escape");
    }
    int value = 0;
    for (int i = 0; i < 4; i++) {
      int digit = Character.digit(text.charAt(at + i), 16);
      // Character.digit also takes non-ASCII digits; JSON does not.
      if (digit < 0 || text.charAt(at + i) > 'f') {
        throw new Invalid("bad \\u escape");
      }
      value = value * 16 + digit;
    }
    at += 4;
    return (char) value;
  }

  private Number number() throws Invalid {
    int start = at;
    boolean integer = true;
    if (peek() == '-') {
      at++;
    }
    if (peek() == '0') {
      at++;
    } else if (peek() >= '1' && peek() <= '9') {
      digits();
    } else {
      throw new Invalid("digit expected at " + at);
    }
    if (peek() == '.') {
      at++;
      integer = false;
      if (digits() == 0) {
        throw new Invalid("digit expected after '.'");
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      at++;
      integer = false;
      if (peek() == '+' || peek() == '-') {
        at++;
      }
      if (digits() == 0) {
        throw new Invalid("digit expected in exponent");
      }
    }
    return new Number(text.substring(start, at), integer);
  }

  private int digits() {
    int start = at;
    while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
      at++;
    }
    return at - start;
  }

  private void literal(String word) throws Invalid {
    if (!text.startsWith(word, at)) {
      throw new Invalid("bad literal at " + at);
    }
    at += word.length();
  }

  private void whitespace() {
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      at++;
    }
  }

  private char peek() {
    return at < text.length() ? text.charAt(at) : '\0';
  }

  private char next() throws Invalid {
    if (at >= text.length()) {
      throw new Invalid("unexpected end of text");
    }
    return text.charAt(at++);
  }

  private void expect(char c) throws Invalid {
    if (next() != c) {
      throw new Invalid("'" + c + "' expected at " + (at - 1));
    }
  }
}
