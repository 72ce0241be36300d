package dev.apitoken.gateway.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * An Ingress's external-auth annotations read as ingress-nginx reads them, and its auth sub-request
 * built as the controller's nginx.tmpl does ({@code location = /_external-auth-...}): the client's
 * headers (proxy_pass_request_headers on) plus {@code X-Original-URL}, {@code X-Original-Method}
 * and friends, no body, {@code Host} of the auth-url. A 2xx answer lets the request pass with each
 * {@code auth-response-headers} header set from the answer ({@code proxy_set_header} of an empty
 * variable removes it); 401 goes back with the answer's {@code WWW-Authenticate}, 403 as it is,
 * anything else becomes 500 (nginx auth_request).
 */
record IngressNginxAuth(URI authUrl, List<String> responseHeaders) {
  static final String PREFIX = "nginx.ingress.kubernetes.io/";

  /** The annotations of ingress-nginx's external authentication (docs: annotations.md). */
  static final Set<String> AUTH_ANNOTATIONS =
      Set.of(
          "auth-url",
          "auth-method",
          "auth-signin",
          "auth-signin-redirect-param",
          "auth-response-headers",
          "auth-proxy-set-headers",
          "auth-request-redirect",
          "auth-cache-key",
          "auth-cache-duration",
          "auth-keepalive",
          "auth-keepalive-share-vars",
          "auth-keepalive-requests",
          "auth-keepalive-timeout",
          "auth-always-set-cookie",
          "auth-snippet",
          "enable-global-auth");

  static IngressNginxAuth from(JsonNode ingress) {
    JsonNode annotations = ingress.at("/metadata/annotations");
    annotations
        .fieldNames()
        .forEachRemaining(
            name -> {
              if (name.startsWith(PREFIX + "auth-")
                  && !AUTH_ANNOTATIONS.contains(name.substring(PREFIX.length()))) {
                throw new AssertionError("ingress-nginx has no annotation " + name);
              }
            });
    String url = annotations.path(PREFIX + "auth-url").asText("");
    if (url.isEmpty()) {
      throw new AssertionError("no " + PREFIX + "auth-url: nginx would check nothing");
    }
    if (annotations.has(PREFIX + "auth-method")) {
      throw new AssertionError("auth-method set: the gateway reads the method from the headers");
    }
    List<String> headers =
        Arrays.stream(annotations.path(PREFIX + "auth-response-headers").asText("").split(","))
            .map(String::trim)
            .filter(h -> !h.isEmpty())
            .toList();
    return new IngressNginxAuth(URI.create(url), headers);
  }

  CheckRequest checkRequest(ClientRequest client) {
    Headers headers = client.headers().copy();
    headers.remove("Content-Length");
    headers.set("Host", authUrl.getPort() < 0 ? authUrl.getHost() : authUrl.getRawAuthority());
    headers.set("X-Original-URL", client.scheme() + "://" + client.host() + client.uri());
    headers.set("X-Original-Method", client.method());
    headers.set("X-Sent-From", "nginx-ingress-controller");
    headers.set("X-Real-IP", "10.0.0.7");
    headers.set("X-Forwarded-For", "10.0.0.7");
    headers.set("X-Auth-Request-Redirect", client.uri());
    return new CheckRequest("GET", authUrl, headers);
  }

  Outcome handle(ClientRequest client, GatewayLink gateway) {
    GatewayResponse answer = gateway.check(checkRequest(client));
    if (answer.status() >= 200 && answer.status() < 300) {
      Headers upstream = client.headers().copy();
      for (String name : responseHeaders) {
        upstream.remove(name);
        answer.headers().first(name).ifPresent(value -> upstream.set(name, value));
      }
      return new Outcome.Forwarded(upstream);
    }
    if (answer.status() == 401) {
      Headers headers = new Headers();
      answer.headers().all("WWW-Authenticate").forEach(v -> headers.add("WWW-Authenticate", v));
      return new Outcome.Refused(401, headers, "nginx 401 page");
    }
    if (answer.status() == 403) {
      return new Outcome.Refused(403, new Headers(), "nginx 403 page");
    }
    return new Outcome.Refused(500, new Headers(), "nginx 500 page");
  }
}
