package dev.apitoken.gateway.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A Traefik {@code forwardAuth} middleware read and run as Traefik's forward_auth.go does: a GET to
 * {@code address} with the client's headers (only {@code authRequestHeaders} when set) and {@code
 * X-Forwarded-Method/-Proto/-Host/-Uri/-For} from the request Traefik received (from the client's
 * own X-Forwarded-* only with {@code trustForwardHeader}). A 2xx answer lets the request pass with
 * each {@code authResponseHeaders} header first removed and then copied from the answer; any other
 * answer goes back to the client with its status, headers and body.
 */
record TraefikForwardAuth(
    URI address,
    boolean trustForwardHeader,
    List<String> authRequestHeaders,
    List<String> authResponseHeaders) {

  /** Fields of the forwardAuth middleware in Traefik v3's CRD. */
  static final Set<String> FIELDS =
      Set.of(
          "address",
          "tls",
          "trustForwardHeader",
          "authResponseHeaders",
          "authResponseHeadersRegex",
          "authRequestHeaders",
          "addAuthCookiesToResponse",
          "headerField",
          "forwardBody",
          "maxBodySize",
          "preserveLocationHeader",
          "preserveRequestMethod");

  private static final List<String> FORWARDED =
      List.of("X-Forwarded-Method", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Uri");

  static TraefikForwardAuth from(JsonNode middleware) {
    JsonNode forwardAuth = middleware.at("/spec/forwardAuth");
    if (!forwardAuth.isObject()) {
      throw new AssertionError("Middleware without spec.forwardAuth");
    }
    forwardAuth
        .fieldNames()
        .forEachRemaining(
            name -> {
              if (!FIELDS.contains(name)) {
                throw new AssertionError("forwardAuth has no field " + name);
              }
            });
    if (forwardAuth.path("preserveRequestMethod").asBoolean(false)) {
      throw new AssertionError("preserveRequestMethod: the gateway reads X-Forwarded-Method");
    }
    return new TraefikForwardAuth(
        URI.create(forwardAuth.path("address").asText()),
        forwardAuth.path("trustForwardHeader").asBoolean(false),
        strings(forwardAuth.path("authRequestHeaders")),
        strings(forwardAuth.path("authResponseHeaders")));
  }

  CheckRequest checkRequest(ClientRequest client) {
    Headers headers = new Headers();
    for (String name : client.headers().names()) {
      boolean wanted =
          authRequestHeaders.isEmpty()
              || authRequestHeaders.stream().anyMatch(h -> h.equalsIgnoreCase(name));
      if (wanted) {
        client.headers().all(name).forEach(v -> headers.add(name, v));
      }
    }
    List<String> actual = List.of(client.method(), client.scheme(), client.host(), client.uri());
    for (int i = 0; i < FORWARDED.size(); i++) {
      String name = FORWARDED.get(i);
      String fromClient = client.headers().first(name).orElse("");
      headers.set(name, trustForwardHeader && !fromClient.isEmpty() ? fromClient : actual.get(i));
    }
    headers.set("X-Forwarded-For", "10.0.0.7");
    headers.set("Host", address.getRawAuthority());
    return new CheckRequest("GET", address, headers);
  }

  Outcome handle(ClientRequest client, GatewayLink gateway) {
    GatewayResponse answer = gateway.check(checkRequest(client));
    if (answer.status() < 200 || answer.status() >= 300) {
      return new Outcome.Refused(answer.status(), answer.headers(), answer.body());
    }
    Headers upstream = client.headers().copy();
    for (String name : authResponseHeaders) {
      upstream.remove(name);
      answer.headers().all(name).forEach(v -> upstream.add(name, v));
    }
    return new Outcome.Forwarded(upstream);
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return List.copyOf(values);
  }
}
