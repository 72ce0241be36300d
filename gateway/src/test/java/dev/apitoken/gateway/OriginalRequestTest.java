package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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
    "/%61dmin/%7e, /admin/~",
    "/a%2cb%3F, /a%2Cb%3F",
    "/caf%C3%A9?q=1, /caf%C3%A9",
    "/a?b/../../c, /a",
  })
  void canonicalPaths(String raw, String canonical) {
    assertThat(CanonicalPath.of(raw)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @CsvSource({
    "/public/..;/internal, ; parameter",
    "/a;b, ; parameter",
    "/a%2Fb, encoded / or \\",
    "/a%5cb, encoded / or \\",
    "/a\\b, backslash",
    "/a/%2e%2E/b, written with escapes",
    "/a/%2e/b, written with escapes",
    "/../../etc, above the root",
    "/a%zz, two hex digits",
    "/a%2, two hex digits",
    "/a%00, control character",
    "/a%0d%0a, control character",
    "/a%C3, not UTF-8",
    "/a%C3%28, not UTF-8",
    "/a%C0%AE, not UTF-8",
    "/a#f, fragment",
    "/a b, space",
    "a/b, start with /",
    "/café, not ASCII",
  })
  void pathsABackendMayReadDifferentlyAreRefused(String raw, String reason) {
    assertThatThrownBy(() -> CanonicalPath.of(raw))
        .isInstanceOf(RequestRefused.class)
        .hasMessageContaining(reason);
  }

  @ParameterizedTest
  @CsvSource({
    "Orders.Example.COM, orders.example.com",
    "orders.example.com:8443, orders.example.com",
    "orders.example.com., orders.example.com",
    "'[::1]:8080', '[::1]'",
    "'[::1]', '[::1]'",
    "10.0.0.1:80, 10.0.0.1",
    "my_host, my_host",
  })
  void plainHosts(String raw, String host) {
    assertThat(HostName.parse(raw)).isEqualTo(host);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "orders.example.com:1@public.example.com",
        "a@b",
        "orders.example.com:1?",
        "orders.example.com:1#",
        "orders.example.com:1:2",
        "orders.example.com:",
        "orders.example.com:99999",
        "orders.example.com:+1",
        "a.example, b.example",
        "a b",
        "",
        ":80",
        "a..b",
        "[::1",
        "[::g]",
        "[::1]x",
        "h\u00e9.example",
        "a/b",
      })
  void otherHostsAreRefused(String raw) {
    assertThatThrownBy(() -> HostName.parse(raw)).isInstanceOf(RequestRefused.class);
  }

  @Test
  void nginxTakesTheOriginalUrlAndNeverTheForwardedHeaders() {
    Headers headers =
        headers(
            Map.of(
                "X-Original-URL", "https://Orders.example.com:443/admin/../x?y",
                "X-Original-Method", "delete",
                "X-Forwarded-Host", "other.example.com",
                "X-Forwarded-Uri", "/other",
                "Host", "gateway.local"));

    assertThat(OriginalRequest.nginx("GET", headers, URI.create("/auth")))
        .isEqualTo(new OriginalRequest("DELETE", "orders.example.com", "/x", false));
  }

  /** ingress-nginx passes the client's X-Forwarded-* through: they must not name the request. */
  @Test
  void nginxIgnoresForwardedHeadersAClientSent() {
    Headers headers =
        headers(Map.of("X-Forwarded-Host", "shop.example.com", "X-Forwarded-Uri", "/healthz"));

    assertThat(OriginalRequest.nginx("GET", headers, URI.create("/auth")).path())
        .isEqualTo("/auth");
  }

  /** Traefik passes every client header through: X-Original-URL must not name the request. */
  @Test
  void traefikIgnoresAnOriginalUrlAClientSent() {
    Headers headers =
        headers(
            Map.of(
                "X-Original-URL", "https://shop.example.com/healthz",
                "X-Forwarded-Method", "GET",
                "X-Forwarded-Host", "shop.example.com",
                "X-Forwarded-Uri", "/admin"));

    assertThat(OriginalRequest.traefik("GET", headers, URI.create("/traefik")))
        .isEqualTo(new OriginalRequest("GET", "shop.example.com", "/admin"));
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

    assertThat(OriginalRequest.traefik("GET", headers, URI.create("/traefik")))
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

  /**
   * The fast path (a path already canonical) gives exactly what the general code gives: compared on
   * random paths built from the characters that matter.
   */
  @Test
  void theFastPathAgreesWithTheGeneralOne() {
    java.util.Random random = new java.util.Random(17);
    String alphabet = "/a.%2F?#b-;A\\";
    for (int i = 0; i < 200_000; i++) {
      String path = "/" + randomText(random, alphabet, 10);
      assertThat(outcome(path)).as("path %s", path).isEqualTo(outcome("/." + path));
    }
  }

  private static String outcome(String path) {
    try {
      return CanonicalPath.of(path);
    } catch (RequestRefused e) {
      return "refused: " + e.getMessage();
    }
  }

  private static String randomText(java.util.Random random, String alphabet, int maxLength) {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(maxLength + 1);
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }
}
