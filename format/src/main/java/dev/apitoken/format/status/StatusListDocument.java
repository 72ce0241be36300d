package dev.apitoken.format.status;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.apitoken.format.UntrustedText;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The {@code status-list.json} file of the trust ConfigMap: {@code
 * {"bits":1,"lst":"...","uri":"..."}}, exactly these members in this order, no whitespace.
 *
 * @param bits bits per token: 1, 2, 4 or 8
 * @param lst base64url without padding of the zlib compressed status bytes (see {@link
 *     StatusList#encodeLst()})
 * @param uri the status list URI that tokens name in {@code status.status_list.uri}
 */
public record StatusListDocument(int bits, String lst, String uri) {
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /**
   * @throws StatusListFormatException when bits is not 1, 2, 4 or 8, or lst or uri is empty
   */
  public StatusListDocument {
    if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
      throw new StatusListFormatException("bits must be 1, 2, 4 or 8, got " + bits);
    }
    if (lst == null || lst.isEmpty()) {
      throw new StatusListFormatException("lst is missing or empty");
    }
    if (uri == null || uri.isEmpty()) {
      throw new StatusListFormatException("uri is missing or empty");
    }
  }

  /** The document for {@code list}, published at {@code uri}. */
  public static StatusListDocument of(StatusList list, String uri) {
    return new StatusListDocument(list.bits(), list.encodeLst(), uri);
  }

  /** Decodes {@link #lst()}; see {@link StatusList#decode(int, String)}. */
  public StatusList statusList() {
    return StatusList.decode(bits, lst);
  }

  /** {@code {"bits":1,"lst":"...","uri":"..."}}: same document, same bytes. */
  public String toJson() {
    StringWriter out = new StringWriter(lst.length() + uri.length() + 32);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeNumberField("bits", bits);
      json.writeStringField("lst", lst);
      json.writeStringField("uri", uri);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Parses a document strictly: one JSON object with exactly the members {@code bits} (integer),
   * {@code lst} and {@code uri} (strings), in any order, each once, and nothing after it. Does not
   * decode {@code lst}; call {@link #statusList()} for that.
   *
   * @throws StatusListFormatException when the document is not of that shape
   */
  public static StatusListDocument parse(String json) {
    if (json == null) {
      throw new StatusListFormatException("status list document is missing");
    }
    if (json.startsWith("\uFEFF")) {
      // Refused, not skipped: Python's json and Go's encoding/json refuse it too, and every reader
      // of the trust directory must agree on what it trusts.
      throw new StatusListFormatException(
          "status list document starts with a byte order mark (U+FEFF); write plain UTF-8");
    }
    Integer bits = null;
    String lst = null;
    String uri = null;
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new StatusListFormatException("status list document is not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (name) {
          case "bits" -> {
            if (value != JsonToken.VALUE_NUMBER_INT
                || parser.getNumberType() != JsonParser.NumberType.INT) {
              throw new StatusListFormatException("bits is not an integer");
            }
            bits = parser.getIntValue();
          }
          case "lst" -> lst = stringMember(parser, value, "lst");
          case "uri" -> uri = stringMember(parser, value, "uri");
          default ->
              throw new StatusListFormatException(
                  "unexpected member \"" + UntrustedText.escape(name) + "\"");
        }
      }
      if (parser.nextToken() != null) {
        throw new StatusListFormatException("content after the status list document");
      }
    } catch (JsonProcessingException e) {
      throw new StatusListFormatException(
          "status list document is not valid JSON: "
              + UntrustedText.escape(e.getOriginalMessage(), UntrustedText.MESSAGE_MAX_LENGTH),
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (bits == null) {
      throw new StatusListFormatException("bits is missing");
    }
    return new StatusListDocument(bits, lst, uri);
  }

  private static String stringMember(JsonParser parser, JsonToken value, String name)
      throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw new StatusListFormatException(name + " is not a string");
    }
    String text = parser.getText();
    // I-JSON (RFC 7493), as for tokens: no string with an unpaired surrogate escape.
    if (dev.apitoken.format.WellFormedText.hasUnpairedSurrogate(text)) {
      throw new StatusListFormatException(name + " has an unpaired surrogate escape");
    }
    return text;
  }
}
