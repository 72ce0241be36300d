package dev.apitoken.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The one rule set for the JSON inside a JWS, shared by the token reader and the Status List Token
 * reader: UTF-8 without a byte order mark (Jackson would otherwise skip a BOM and even detect
 * UTF-16 or UTF-32 on its own), duplicate members refused anywhere, no string or member name with
 * an unpaired surrogate escape such as {@code "\ud800"} (RFC 7515, I-JSON RFC 7493, as strict
 * readers like Python's {@code json} and Go's {@code encoding/json} enforce them), integers typed
 * and bounded. A document must not mean one thing to us and another to a different JSON reader.
 *
 * <p>Every violation is a {@link MalformedException} with a message naming the problem, never
 * quoting the document; each reader turns it into its own exception.
 */
public final class StrictJson {
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** The largest NumericDate accepted: 9999-12-31T23:59:59Z. */
  public static final long MAX_NUMERIC_DATE = 253_402_300_799L;

  private StrictJson() {}

  /** A parser over {@code json}, once it is known to be strict UTF-8 ({@code part} names it). */
  public static JsonParser parser(byte[] json, String part) throws IOException {
    return JSON.createParser(utf8Text(json, part));
  }

  /** Strict UTF-8 with no byte order mark, decoded before Jackson can guess an encoding. */
  static String utf8Text(byte[] json, String part) {
    if (json.length >= 3
        && (json[0] & 0xFF) == 0xEF
        && (json[1] & 0xFF) == 0xBB
        && (json[2] & 0xFF) == 0xBF) {
      throw new MalformedException(part + " starts with a UTF-8 byte order mark");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(json))
          .toString();
    } catch (CharacterCodingException e) {
      throw new MalformedException(part + " is not UTF-8");
    }
  }

  public static long numericDate(JsonParser parser, JsonToken value, String name)
      throws IOException {
    long seconds = nonNegativeLong(parser, value, name);
    if (seconds > MAX_NUMERIC_DATE) {
      throw new MalformedException(name + " is beyond the year 9999");
    }
    return seconds;
  }

  public static long nonNegativeLong(JsonParser parser, JsonToken value, String name)
      throws IOException {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      throw new MalformedException(name + " is not an integer");
    }
    JsonParser.NumberType type = parser.getNumberType();
    if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
      throw new MalformedException(name + " is too large");
    }
    long number = parser.getLongValue();
    if (number < 0) {
      throw new MalformedException(name + " is negative");
    }
    return number;
  }

  public static String string(JsonParser parser, JsonToken value, String name) throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw new MalformedException(name + " is not a string");
    }
    return wellFormed(parser.getText(), name);
  }

  public static String nonEmptyString(JsonParser parser, JsonToken value, String name)
      throws IOException {
    String text = string(parser, value, name);
    if (text.isEmpty()) {
      throw new MalformedException(name + " is empty");
    }
    return text;
  }

  public static String memberName(JsonParser parser) throws IOException {
    return wellFormed(parser.currentName(), "a member name");
  }

  /** The text is UTF-16 and surrogates only come from escapes: a lone one is a broken escape. */
  public static String wellFormed(String text, String name) {
    if (WellFormedText.hasUnpairedSurrogate(text)) {
      throw new MalformedException(name + " has an unpaired surrogate escape");
    }
    return text;
  }

  /**
   * Skips a value nobody reads (an unknown claim) but still holds its strings and member names to
   * the rules above, so that every reader sees the same, well-formed JSON text.
   */
  public static void skipValue(JsonParser parser, JsonToken value) throws IOException {
    int depth = 0;
    JsonToken token = value;
    while (true) {
      if (token == null) {
        throw new MalformedException("the JSON text ends inside a value");
      }
      switch (token) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case FIELD_NAME -> memberName(parser);
        case VALUE_STRING -> wellFormed(parser.getText(), "a string");
        default -> {
          // Numbers and literals have no text that could be ill-formed.
        }
      }
      if (depth == 0) {
        return;
      }
      token = parser.nextToken();
    }
  }

  /** The object just read was the whole document. */
  public static void requireEnd(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
      throw new MalformedException("content after the JSON object");
    }
  }
}
