package dev.apitoken.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpResponseParserTest {
  private static final String FIXED_LENGTH =
      "HTTP/1.1 401 Unauthorized\r\nContent-Length: 13\r\nWWW-Authenticate: Bearer\r\n\r\n"
          + "token revoked";
  private static final String CHUNKED =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Auth-Subject: s\r\n\r\n"
          + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";

  /** Every split point of the bytes, as TCP may deliver them: complete only at the very end. */
  @ParameterizedTest
  @ValueSource(strings = {FIXED_LENGTH, CHUNKED})
  void aResponseIsCompleteOnlyOnceItsLastByteArrived(String response) throws Exception {
    byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
    HttpResponseParser parser = new HttpResponseParser("X-Auth-Subject");
    for (int i = 0; i < bytes.length; i++) {
      assertThat(parser.complete()).as("after %d of %d bytes", i, bytes.length).isFalse();
      parser.writableBuffer().put(bytes[i]);
    }

    assertThat(parser.complete()).isTrue();
    assertThat(parser.status()).isEqualTo(response.startsWith("HTTP/1.1 200") ? 200 : 401);
    assertThat(parser.hasRequiredHeader()).isEqualTo(response.contains("X-Auth-Subject"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        FIXED_LENGTH + "HTTP/1.1 200 OK\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-No-Framing: 1\r\n\r\n"
      })
  void bytesThatAreNotOneFramedResponseAreAnError(String response) {
    HttpResponseParser parser = new HttpResponseParser(null);
    parser.writableBuffer().put(response.getBytes(StandardCharsets.ISO_8859_1));

    assertThatThrownBy(parser::complete).isInstanceOf(HttpResponseParser.ProtocolException.class);
  }
}
