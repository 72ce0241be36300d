package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How each proxy's sub-request names the original request. */
class OriginalRequestTest {

  @ParameterizedTest
  @CsvSource({
    "/, /",
    "'', /",
    "/a/b/, /a/b",
    "//a///b, /a/b",
    "/a/./b, /a/b",
    "/a/../b, /b",
    "/../../etc, /etc",
    "/a/%2e%2E/b, /b",
    "/a%2Fb, /a/b",
    "/a%zz, /a%zz",
    "/caf%C3%A9?q=1#f, /café",
  })
  void normalizesPaths(String raw, String normalized) {
    assertThat(OriginalRequest.normalizePath(raw)).isEqualTo(normalized);
  }

  @ParameterizedTest
  @CsvSource({
    "Orders.Example.COM, orders.example.com",
    "orders.example.com:8443, orders.example.com",
    "orders.example.com., orders.example.com",
    "'[::1]:8080', '[::1]'",
    "'a.example, b.example', a.example",
  })
  void normalizesHosts(String raw, String normalized) {
    assertThat(OriginalRequest.host(raw)).isEqualTo(normalized);
  }

  @Test
  void nginxOriginalUrlWinsOverTraefikHeadersAndTheSubRequest() {
    Headers headers =
        headers(
            Map.of(
                "X-Original-URL", "https://Orders.example.com:443/admin/../x?y",
                "X-Original-Method", "delete",
                "X-Forwarded-Host", "other.example.com",
                "X-Forwarded-Uri", "/other",
                "Host", "gateway.local"));

    assertThat(OriginalRequest.forwardAuth("GET", headers, URI.create("/auth")))
        .isEqualTo(new OriginalRequest("DELETE", "orders.example.com", "/x"));
  }

  @Test
  void traefikHeadersWinOverTheSubRequest() {
    Headers headers =
        headers(
            Map.of(
                "X-Forwarded-Method", "PUT",
                "X-Forwarded-Host", "shop.example.com",
                "X-Forwarded-Uri", "/cart/1?x=2",
                "Host", "gateway.local"));

    assertThat(OriginalRequest.forwardAuth("GET", headers, URI.create("/auth")))
        .isEqualTo(new OriginalRequest("PUT", "shop.example.com", "/cart/1"));
  }

  @Test
  void envoyDropsThePrefix() {
    Headers headers = headers(Map.of("Host", "shop.example.com:80"));

    assertThat(OriginalRequest.envoy("post", headers, URI.create("/envoy/cart/1?x"), "/envoy"))
        .isEqualTo(new OriginalRequest("POST", "shop.example.com", "/cart/1"));
    assertThat(OriginalRequest.envoy("GET", headers, URI.create("/envoy"), "/envoy").path())
        .isEqualTo("/");
  }

  private static Headers headers(Map<String, String> values) {
    Headers headers = new Headers();
    values.forEach(headers::add);
    return headers;
  }
}
