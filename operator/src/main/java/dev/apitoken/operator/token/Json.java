package dev.apitoken.operator.token;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads the key ring's JSON strictly: duplicate members and trailing content are errors, so no
 * reader picks a different duplicate than we do. (Writing goes through the format's {@link
 * dev.apitoken.format.JwtJson#write}.)
 */
final class Json {

  private static final ObjectMapper STRICT_READER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private Json() {}

  /**
   * The parsed document, or empty when it is not a single well-formed JSON value. The parser's
   * error is dropped on purpose: its message quotes the input, which may be key material.
   */
  static Optional<JsonNode> read(String json) {
    try {
      return Optional.ofNullable(STRICT_READER.readTree(json));
    } catch (IOException | RuntimeException malformed) {
      return Optional.empty();
    }
  }
}
