package dev.apitoken.gateway.examples;

import dev.apitoken.gateway.examples.NginxConf.Directive;
import java.net.URI;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code server} of an nginx.conf run as nginx runs it for the directives an auth proxy uses:
 * location matching ({@code =} before the longest prefix), {@code internal}, {@code auth_request}
 * (a GET sub-request without body; 2xx passes, 401 returns with the sub-request's {@code
 * WWW-Authenticate}, 403 as it is, anything else 500), {@code auth_request_set} from {@code
 * $upstream_http_*}, {@code proxy_pass}, {@code proxy_set_header} (an empty value removes the
 * header; a location's own list replaces the inherited one) and the variables they use.
 */
final class NginxAuthRequestServer {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z0-9_]+)}?");

  private final Directive http;
  private final Directive server;

  private NginxAuthRequestServer(Directive http, Directive server) {
    this.http = http;
    this.server = server;
  }

  /** The server of {@code conf} that listens on {@code port}. */
  static NginxAuthRequestServer listeningOn(String conf, int port) {
    Directive main = NginxConf.parse(conf);
    Directive http =
        main.first("http").orElseThrow(() -> new AssertionError("nginx.conf has no http block"));
    List<Directive> servers =
        http.all("server").stream()
            .filter(s -> s.all("listen").stream().anyMatch(l -> listensOn(l, port)))
            .toList();
    if (servers.size() != 1) {
      throw new AssertionError("expected one server listening on " + port + ": " + servers.size());
    }
    return new NginxAuthRequestServer(http, servers.get(0));
  }

  /** Where the location serving {@code path} proxies to. */
  URI proxyPass(String path) {
    return URI.create(location(path).first("proxy_pass").orElseThrow().arg(0));
  }

  Outcome handle(ClientRequest client, GatewayLink gateway) {
    Directive location = location(client.path());
    if (location.first("internal").isPresent()) {
      return new Outcome.Refused(404, new Headers(), "nginx 404 page");
    }
    Map<String, String> variables = variables(client);
    String authUri = location.first("auth_request").map(d -> d.arg(0)).orElse("off");
    if (!authUri.equals("off")) {
      Directive authLocation = location(authUri);
      CheckRequest check =
          new CheckRequest(
              "GET",
              target(authLocation),
              proxiedHeaders(client, authLocation, variables, target(authLocation)));
      GatewayResponse answer = gateway.check(check);
      if (answer.status() == 401) {
        Headers headers = new Headers();
        answer.headers().all("WWW-Authenticate").forEach(v -> headers.add("WWW-Authenticate", v));
        return new Outcome.Refused(401, headers, "nginx 401 page");
      }
      if (answer.status() == 403) {
        return new Outcome.Refused(403, new Headers(), "nginx 403 page");
      }
      if (answer.status() < 200 || answer.status() >= 300) {
        return new Outcome.Refused(500, new Headers(), "nginx 500 page");
      }
      for (String name : answer.headers().names()) {
        variables.put(
            "upstream_http_" + name.toLowerCase(Locale.ROOT).replace('-', '_'),
            answer.headers().first(name).orElse(""));
      }
      for (Directive set : location.all("auth_request_set")) {
        variables.put(set.arg(0).substring(1), substitute(set.arg(1), variables));
      }
    }
    return new Outcome.Forwarded(proxiedHeaders(client, location, variables, target(location)));
  }

  private Headers proxiedHeaders(
      ClientRequest client, Directive location, Map<String, String> variables, URI target) {
    Headers headers = new Headers();
    boolean passHeaders =
        location.first("proxy_pass_request_headers").map(d -> d.arg(0)).orElse("on").equals("on");
    if (passHeaders) {
      headers = client.headers().copy();
    }
    headers.remove("Connection");
    headers.set("Host", target.getRawAuthority());
    headers.set("Connection", "close");
    for (Directive set : inherited(location, "proxy_set_header")) {
      String value = substitute(set.arg(1), variables);
      headers.remove(set.arg(0));
      if (!value.isEmpty()) {
        headers.set(set.arg(0), value);
      }
    }
    return headers;
  }

  /** A location's own directives of a kind, else its server's, else the http block's. */
  private List<Directive> inherited(Directive location, String name) {
    for (Directive level : List.of(location, server, http)) {
      List<Directive> found = level.all(name);
      if (!found.isEmpty()) {
        return found;
      }
    }
    return List.of();
  }

  private static URI target(Directive location) {
    Directive proxyPass =
        location
            .first("proxy_pass")
            .orElseThrow(
                () -> new AssertionError("location " + location.args() + " proxies nowhere"));
    return URI.create(proxyPass.arg(0));
  }

  private Directive location(String path) {
    List<Directive> locations = server.all("location");
    for (Directive location : locations) {
      if (location.args().size() == 2 && location.arg(0).equals("=")) {
        if (location.arg(1).equals(path)) {
          return location;
        }
      } else if (location.args().size() != 1) {
        throw new AssertionError(
            "only exact and prefix locations are interpreted: " + location.args());
      }
    }
    return locations.stream()
        .filter(l -> l.args().size() == 1 && path.startsWith(l.arg(0)))
        .max(Comparator.comparingInt(l -> l.arg(0).length()))
        .orElseThrow(() -> new AssertionError("no location serves " + path));
  }

  private static Map<String, String> variables(ClientRequest client) {
    Map<String, String> variables = new HashMap<>();
    String httpHost = client.headers().first("Host").orElse(client.host());
    variables.put("scheme", client.scheme());
    variables.put("http_host", httpHost);
    variables.put("host", httpHost.replaceFirst(":\\d+$", ""));
    variables.put("request_uri", client.uri());
    variables.put("uri", client.path());
    variables.put("request_method", client.method());
    variables.put("remote_addr", "127.0.0.6");
    for (String name : client.headers().names()) {
      variables.put(
          "http_" + name.toLowerCase(Locale.ROOT).replace('-', '_'),
          client.headers().first(name).orElse(""));
    }
    return variables;
  }

  private static String substitute(String value, Map<String, String> variables) {
    Matcher matcher = VARIABLE.matcher(value);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String name = matcher.group(1);
      // nginx refuses to start on an unknown variable; $upstream_http_* and $http_* are empty
      // when the header is absent.
      if (!variables.containsKey(name)
          && !name.startsWith("upstream_http_")
          && !name.startsWith("http_")) {
        throw new AssertionError("unknown nginx variable $" + name);
      }
      matcher.appendReplacement(result, Matcher.quoteReplacement(variables.getOrDefault(name, "")));
    }
    matcher.appendTail(result);
    return result.toString();
  }

  private static boolean listensOn(Directive listen, int port) {
    String address = listen.arg(0);
    return address.equals(String.valueOf(port)) || address.endsWith(":" + port);
  }
}
