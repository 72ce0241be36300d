package dev.apitoken.gateway.bench;

import java.nio.charset.StandardCharsets;

/** Encodes the forward-auth sub-requests the benchmark sends, as ingress-nginx would send them. */
final class Requests {
  private Requests() {}

  /**
   * A {@code GET /auth} with the original URL of a request to the orders service and, unless {@code
   * authorization} is null, its {@code Authorization} header.
   */
  static byte[] authRequest(int port, String authorization) {
    StringBuilder request =
        new StringBuilder(256 + (authorization == null ? 0 : authorization.length()))
            .append("GET /auth HTTP/1.1\r\n")
            .append("Host: 127.0.0.1:")
            .append(port)
            .append("\r\n")
            .append("X-Original-URL: https://orders.example.com/orders/42\r\n")
            .append("X-Original-Method: GET\r\n");
    if (authorization != null) {
      request.append("Authorization: ").append(authorization).append("\r\n");
    }
    return request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}
