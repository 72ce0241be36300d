package dev.apitoken.operator.token;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.apitoken.format.JwtJson;
import java.io.IOException;
import java.util.Optional;

/**
 * Writes JSON member by member, so that the bytes (and therefore signatures and hashes) are
 * deterministic, and reads JSON strictly: duplicate members and trailing content are errors,
 * because a verifier that picks a different duplicate than we do would see other claims.
 */
final class Json {

  private static final ObjectMapper STRICT_READER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private Json() {}

  @FunctionalInterface
  interface Writer {
    void writeTo(JsonGenerator generator) throws IOException;
  }

  /** The UTF-8 bytes written by {@code writer}, without whitespace: the wire format's writer. */
  static byte[] write(Writer writer) {
    return JwtJson.write(writer::writeTo);
  }

  /**
   * The parsed document, or empty when it is not a single well-formed JSON value. The parser's
   * error is dropped on purpose: its message quotes the input, which may be key material.
   */
  static Optional<JsonNode> read(byte[] json) {
    try {
      return Optional.ofNullable(STRICT_READER.readTree(json));
    } catch (IOException | RuntimeException malformed) {
      return Optional.empty();
    }
  }

  static Optional<JsonNode> read(String json) {
    try {
      return Optional.ofNullable(STRICT_READER.readTree(json));
    } catch (IOException | RuntimeException malformed) {
      return Optional.empty();
    }
  }
}
