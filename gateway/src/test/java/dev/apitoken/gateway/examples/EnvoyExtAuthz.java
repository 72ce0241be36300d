package dev.apitoken.gateway.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Envoy's {@code ext_authz} filter with an HTTP service, read from a bootstrap or from Istio's
 * {@code envoyExtAuthzHttp} provider (which istiod turns into the same filter), and run as
 * ext_authz_http_impl.cc does: the check keeps the client's method, sends {@code path_prefix} + the
 * original path, the original {@code Host}, {@code Content-Length: 0} and only the client headers
 * {@code allowed_headers} match. Only 200 allows: the request goes on with the headers {@code
 * allowed_upstream_headers} match set from the answer. Any other status is returned to the client
 * with the headers {@code allowed_client_headers} match (all when unset) and the body.
 *
 * @param target where the checks go: the cluster's endpoint, scheme http
 * @param removedFirst request headers an earlier filter removes before ext_authz runs
 * @param clientHeaders null when every answer header reaches the client
 */
record EnvoyExtAuthz(
    URI target,
    String pathPrefix,
    List<Matcher> allowedHeaders,
    List<Matcher> upstreamHeaders,
    List<Matcher> clientHeaders,
    List<String> removedFirst) {

  /** Fields of Istio's MeshConfig.ExtensionProvider.EnvoyExternalAuthorizationHttpProvider. */
  static final Set<String> ISTIO_FIELDS =
      Set.of(
          "service",
          "port",
          "timeout",
          "pathPrefix",
          "failOpen",
          "statusOnError",
          "includeHeadersInCheck",
          "includeRequestHeadersInCheck",
          "includeAdditionalHeadersInCheck",
          "includeRequestBodyInCheck",
          "headersToUpstreamOnAllow",
          "headersToDownstreamOnDeny",
          "headersToDownstreamOnAllow");

  static final Set<String> EXT_AUTHZ_FIELDS =
      Set.of(
          "@type",
          "transport_api_version",
          "failure_mode_allow",
          "failure_mode_allow_header_add",
          "http_service",
          "grpc_service",
          "with_request_body",
          "clear_route_cache",
          "status_on_error",
          "allowed_headers",
          "disallowed_headers",
          "include_peer_certificate",
          "stat_prefix",
          "filter_enabled",
          "deny_at_disable");
  static final Set<String> HTTP_SERVICE_FIELDS =
      Set.of(
          "server_uri",
          "path_prefix",
          "authorization_request",
          "authorization_response",
          "retry_policy");
  static final Set<String> REQUEST_FIELDS = Set.of("allowed_headers", "headers_to_add");
  static final Set<String> RESPONSE_FIELDS =
      Set.of(
          "allowed_upstream_headers",
          "allowed_upstream_headers_to_append",
          "allowed_client_headers",
          "allowed_client_headers_on_success",
          "dynamic_metadata_from_headers");

  static final String EXT_AUTHZ_TYPE =
      "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz";
  static final String HEADER_MUTATION_TYPE =
      "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation";
  static final String ROUTER_TYPE =
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
  static final String HCM_TYPE =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
          + ".HttpConnectionManager";

  /** An Envoy StringMatcher (exact, prefix, suffix or contains; ignore_case). */
  record Matcher(String kind, String value, boolean ignoreCase) {
    static Matcher from(JsonNode pattern) {
      for (String kind : List.of("exact", "prefix", "suffix", "contains")) {
        if (pattern.has(kind)) {
          return new Matcher(
              kind, pattern.get(kind).asText(), pattern.path("ignore_case").asBoolean());
        }
      }
      throw new AssertionError("unsupported string matcher " + pattern);
    }

    static Matcher exactIgnoringCase(String value) {
      return new Matcher("exact", value, true);
    }

    boolean matches(String name) {
      String candidate = ignoreCase ? name.toLowerCase(Locale.ROOT) : name;
      String expected = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
      return switch (kind) {
        case "exact" -> candidate.equals(expected);
        case "prefix" -> candidate.startsWith(expected);
        case "suffix" -> candidate.endsWith(expected);
        default -> candidate.contains(expected);
      };
    }
  }

  /** The ext_authz filter of the bootstrap's only HTTP connection manager. */
  static EnvoyExtAuthz fromBootstrap(JsonNode bootstrap) {
    List<JsonNode> managers = new ArrayList<>();
    for (JsonNode listener : bootstrap.at("/static_resources/listeners")) {
      for (JsonNode chain : listener.path("filter_chains")) {
        for (JsonNode filter : chain.path("filters")) {
          requireType(filter, "envoy.filters.network.http_connection_manager", HCM_TYPE);
          managers.add(filter.path("typed_config"));
        }
      }
    }
    if (managers.size() != 1) {
      throw new AssertionError("expected one http_connection_manager, found " + managers.size());
    }
    List<String> removed = new ArrayList<>();
    JsonNode extAuthz = null;
    List<String> order = new ArrayList<>();
    for (JsonNode filter : managers.get(0).path("http_filters")) {
      String name = filter.path("name").asText();
      order.add(name);
      switch (name) {
        case "envoy.filters.http.header_mutation" -> {
          requireType(filter, name, HEADER_MUTATION_TYPE);
          if (extAuthz == null) {
            filter
                .at("/typed_config/mutations/request_mutations")
                .forEach(m -> removed.add(m.path("remove").asText()));
          }
        }
        case "envoy.filters.http.ext_authz" -> {
          requireType(filter, name, EXT_AUTHZ_TYPE);
          extAuthz = filter.path("typed_config");
        }
        case "envoy.filters.http.router" -> requireType(filter, name, ROUTER_TYPE);
        default -> throw new AssertionError("unexpected http filter " + name);
      }
    }
    if (extAuthz == null) {
      throw new AssertionError("no envoy.filters.http.ext_authz filter");
    }
    if (!order.get(order.size() - 1).equals("envoy.filters.http.router")) {
      throw new AssertionError("the router must be the last http filter: " + order);
    }
    return fromExtAuthz(extAuthz, bootstrap, removed);
  }

  private static EnvoyExtAuthz fromExtAuthz(
      JsonNode config, JsonNode bootstrap, List<String> removed) {
    knownFields(config, EXT_AUTHZ_FIELDS, "ExtAuthz");
    if (config.path("failure_mode_allow").asBoolean(false)) {
      throw new AssertionError("failure_mode_allow: an unreachable gateway would let all in");
    }
    JsonNode http = config.path("http_service");
    knownFields(http, HTTP_SERVICE_FIELDS, "HttpService");
    knownFields(http.path("authorization_request"), REQUEST_FIELDS, "AuthorizationRequest");
    knownFields(http.path("authorization_response"), RESPONSE_FIELDS, "AuthorizationResponse");
    String cluster = http.at("/server_uri/cluster").asText();
    JsonNode address = clusterAddress(bootstrap, cluster);
    URI target =
        URI.create(
            "http://"
                + address.path("address").asText()
                + ":"
                + address.path("port_value").asInt());
    JsonNode allowed =
        config.has("allowed_headers")
            ? config.path("allowed_headers")
            : http.at("/authorization_request/allowed_headers");
    JsonNode response = http.path("authorization_response");
    return new EnvoyExtAuthz(
        target,
        http.path("path_prefix").asText(""),
        matchers(allowed),
        matchers(response.path("allowed_upstream_headers")),
        response.has("allowed_client_headers")
            ? matchers(response.path("allowed_client_headers"))
            : null,
        List.copyOf(removed));
  }

  /** The provider as istiod translates it into the ext_authz filter. */
  static EnvoyExtAuthz fromIstio(JsonNode provider) {
    JsonNode http = provider.path("envoyExtAuthzHttp");
    if (!http.isObject()) {
      throw new AssertionError("extension provider without envoyExtAuthzHttp: " + provider);
    }
    knownFields(http, ISTIO_FIELDS, "envoyExtAuthzHttp");
    if (http.path("failOpen").asBoolean(false)) {
      throw new AssertionError("failOpen: an unreachable gateway would let all in");
    }
    URI target =
        URI.create("http://" + http.path("service").asText() + ":" + http.path("port").asInt());
    return new EnvoyExtAuthz(
        target,
        http.path("pathPrefix").asText(""),
        exactNames(http.path("includeRequestHeadersInCheck")),
        exactNames(http.path("headersToUpstreamOnAllow")),
        http.has("headersToDownstreamOnDeny")
            ? exactNames(http.path("headersToDownstreamOnDeny"))
            : null,
        List.of());
  }

  CheckRequest checkRequest(ClientRequest client) {
    Headers sent = withoutRemoved(client.headers());
    Headers headers = new Headers();
    headers.set("Host", client.host());
    for (String name : sent.names()) {
      if (allowedHeaders.stream().anyMatch(m -> m.matches(name))) {
        sent.all(name).forEach(v -> headers.add(name, v));
      }
    }
    headers.set("Content-Length", "0");
    return new CheckRequest(
        client.method(), URI.create(target + pathPrefix + client.uri()), headers);
  }

  Outcome handle(ClientRequest client, GatewayLink gateway) {
    GatewayResponse answer = gateway.check(checkRequest(client));
    if (answer.status() != 200) {
      Headers toClient = new Headers();
      for (String name : answer.headers().names()) {
        if (clientHeaders == null || clientHeaders.stream().anyMatch(m -> m.matches(name))) {
          answer.headers().all(name).forEach(v -> toClient.add(name, v));
        }
      }
      return new Outcome.Refused(answer.status(), toClient, answer.body());
    }
    Headers upstream = withoutRemoved(client.headers());
    for (String name : answer.headers().names()) {
      if (upstreamHeaders.stream().anyMatch(m -> m.matches(name))) {
        upstream.remove(name);
        answer.headers().all(name).forEach(v -> upstream.add(name, v));
      }
    }
    return new Outcome.Forwarded(upstream);
  }

  private Headers withoutRemoved(Headers headers) {
    Headers copy = headers.copy();
    removedFirst.forEach(copy::remove);
    return copy;
  }

  private static JsonNode clusterAddress(JsonNode bootstrap, String cluster) {
    for (JsonNode candidate : bootstrap.at("/static_resources/clusters")) {
      if (candidate.path("name").asText().equals(cluster)) {
        JsonNode endpoints = candidate.at("/load_assignment/endpoints");
        if (endpoints.size() != 1 || endpoints.get(0).path("lb_endpoints").size() != 1) {
          throw new AssertionError("cluster " + cluster + ": expected one endpoint");
        }
        return endpoints.get(0).at("/lb_endpoints/0/endpoint/address/socket_address");
      }
    }
    throw new AssertionError("server_uri names cluster " + cluster + ", which is not defined");
  }

  private static List<Matcher> matchers(JsonNode list) {
    List<Matcher> matchers = new ArrayList<>();
    list.path("patterns").forEach(p -> matchers.add(Matcher.from(p)));
    return List.copyOf(matchers);
  }

  private static List<Matcher> exactNames(JsonNode names) {
    List<Matcher> matchers = new ArrayList<>();
    names.forEach(n -> matchers.add(Matcher.exactIgnoringCase(n.asText())));
    return List.copyOf(matchers);
  }

  private static void requireType(JsonNode filter, String name, String type) {
    if (!filter.path("name").asText().equals(name)
        || !filter.at("/typed_config/@type").asText().equals(type)) {
      throw new AssertionError(
          "filter " + filter.path("name") + " must be " + name + " of " + type);
    }
  }

  private static void knownFields(JsonNode object, Set<String> fields, String message) {
    object
        .fieldNames()
        .forEachRemaining(
            name -> {
              if (!fields.contains(name)) {
                throw new AssertionError(message + " has no field " + name);
              }
            });
  }
}
