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
        .isEqualTo(new OriginalRequest("DELETE", "orders.example.com", "/x"));
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
   * The fast paths (a path already normal, a plain http(s) URL) give exactly what the general code
   * gives: compared on random paths and URLs built from the characters that matter.
   */
  @Test
  void fastPathsAgreeWithTheGeneralParsing() {
    java.util.Random random = new java.util.Random(17);
    String pathAlphabet = "/a.%2F?#b-";
    String hostAlphabet = "aZ9.-:@[]%";
    for (int i = 0; i < 200_000; i++) {
      String path = randomText(random, pathAlphabet, 10);
      assertThat(OriginalRequest.normalizePath(path))
          .as("path %s", path)
          .isEqualTo(slowNormalize(path));
      String url =
          (random.nextBoolean() ? "https://" : "http://")
              + randomText(random, hostAlphabet, 6)
              + (random.nextBoolean() ? "/" + path : path);
      Headers headers = headers(Map.of("X-Original-URL", url, "X-Original-Method", "get"));
      assertThat(OriginalRequest.nginx("GET", headers, URI.create("/auth")))
          .as("url %s", url)
          .isEqualTo(viaUri(url));
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

  /** normalizePath without its shortcut: a "." segment in front makes it take the general way. */
  private static String slowNormalize(String raw) {
    if (raw.isEmpty() || raw.charAt(0) != '/') {
      return OriginalRequest.normalizePath(raw);
    }
    return OriginalRequest.normalizePath("/." + raw);
  }

  /** What the X-Original-URL parsing gave before its shortcut: java.net.URI, or by hand. */
  private static OriginalRequest viaUri(String url) {
    try {
      URI uri = new URI(url);
      String host = uri.getRawAuthority() == null ? null : uri.getHost();
      if (host == null && uri.getRawAuthority() != null) {
        host = uri.getRawAuthority();
      }
      return new OriginalRequest(
          "GET", OriginalRequest.host(host), OriginalRequest.normalizePath(uri.getRawPath()));
    } catch (java.net.URISyntaxException e) {
      // The hand-made fallback of OriginalRequest for what URI refuses.
      int scheme = url.indexOf("://");
      int end = scheme + 3;
      while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
        end++;
      }
      return new OriginalRequest(
          "GET",
          OriginalRequest.host(url.substring(scheme + 3, end)),
          OriginalRequest.normalizePath(url.substring(end)));
    }
  }
}
