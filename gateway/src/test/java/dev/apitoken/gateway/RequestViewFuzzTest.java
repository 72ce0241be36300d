package dev.apitoken.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 22: random requests through each proxy's header set against a reference of what that proxy
 * forwards and how backends may read it. Whenever the gateway lets a request pass, the rule of the
 * route every reading of the upstream's request falls to lets it pass too: no request is allowed
 * onto a route other than the one the upstream serves.
 *
 * <p>The reference: nginx and Traefik pick the upstream by the part of {@code Host} before the
 * first {@code :} (nginx by the request line's host for an absolute-form request) and forward the
 * raw request target; ingress-nginx writes {@code X-Original-URL: $scheme://$http_host$request_uri}
 * (the Host header as sent, the target's path only) and its auth-url names the Ingress's host;
 * Traefik sets {@code X-Forwarded-Host/-Uri} from the request it routes; Envoy sends {@code
 * :authority} and the raw path. Backends read the path strictly (RFC 3986), servlet-style ({@code
 * ;} parameters dropped, everything decoded, {@code \} a separator), case-insensitively and with
 * suffix patterns ({@code /admin.json} is {@code /admin}).
 */
class RequestViewFuzzTest {
  static final List<String> INGRESS_HOSTS = List.of("orders.example.com", "public.example.com");
  static final Policy POLICY;

  static {
    try {
      POLICY = PolicyFile.parse(RequestViewTest.POLICY);
    } catch (PolicyException e) {
      throw new IllegalStateException(e);
    }
  }

  static final String[] HOST_PIECES = {
    "orders.example.com", "public.example.com", "Orders.Example.COM", ":1", ":443", "@", "?", "#",
    ":", " ", ",", ".", "x", "[::1]", "%40", "/"
  };
  static final String[] PATH_PIECES = {
    "/", "/", "admin", "Admin", "public", "internal", "..", ".", ";", ";x=1", "%2F", "%2f", "%2e",
    "%2E%2E", "%5C", "\\", "%00", ".json", "x", "//", "%61", "%C3%A9", "%C3", "?", "?q=/admin", "#",
    "%25", "%3B", "users", "~", "%7E"
  };

  enum Proxy {
    INGRESS_NGINX_BOUND,
    INGRESS_NGINX_UNBOUND,
    TRAEFIK,
    ENVOY
  }

  @Test
  void noRequestIsAllowedOntoARouteOtherThanTheOneTheUpstreamServes() {
    Random random = new Random(22);
    int allowed = 0;
    int refused = 0;
    for (int i = 0; i < 300_000; i++) {
      Proxy proxy = Proxy.values()[random.nextInt(Proxy.values().length)];
      String hostHeader = pieces(random, HOST_PIECES, 1 + random.nextInt(3));
      String target = "/" + pieces(random, PATH_PIECES, random.nextInt(6));
      boolean absoluteForm = proxy != Proxy.ENVOY && random.nextInt(4) == 0;
      String lineHost = absoluteForm ? INGRESS_HOSTS.get(random.nextInt(2)) : null;
      // nginx, Traefik (Go) and Envoy route by the request line's host when there is one.
      String routedHost = routedHost(lineHost != null ? lineHost : hostHeader);
      boolean hasScope = random.nextBoolean();

      Rule rule;
      try {
        OriginalRequest view = view(proxy, hostHeader, target, lineHost, routedHost);
        if (view == null) {
          continue; // no Ingress for that host: nginx answers from its default backend
        }
        if (!view.hostAsRouted() && POLICY.hasHostRoutes()) {
          refused++;
          continue;
        }
        rule = POLICY.ruleFor(view.host(), view.path());
      } catch (RequestRefused e) {
        refused++;
        continue;
      }
      if (!allows(rule, hasScope)) {
        continue;
      }
      allowed++;
      for (String reading : backendReadings(target)) {
        assertThat(allows(ruleWithoutRefusal(routedHost, reading), hasScope))
            .as(
                "%s: Host %s, line host %s, target %s: the gateway allowed it (scope %s) but a"
                    + " backend reading %s serves a route that refuses it",
                proxy, hostHeader, lineHost, target, hasScope, reading)
            .isTrue();
      }
    }
    // The generator reaches both sides: many requests pass, many are refused.
    assertThat(allowed).isGreaterThan(10_000);
    assertThat(refused).isGreaterThan(10_000);
  }

  private static OriginalRequest view(
      Proxy proxy, String hostHeader, String target, String lineHost, String routedHost) {
    Headers headers = new Headers();
    switch (proxy) {
      case INGRESS_NGINX_BOUND, INGRESS_NGINX_UNBOUND -> {
        if (!INGRESS_HOSTS.contains(routedHost)) {
          return null;
        }
        headers.add("X-Original-URL", "https://" + hostHeader + target);
        headers.add("X-Original-Method", "GET");
        String auth = proxy == Proxy.INGRESS_NGINX_BOUND ? "/auth/" + routedHost : "/auth";
        return OriginalRequest.nginx("GET", headers, URI.create(auth));
      }
      case TRAEFIK -> {
        // Go's req.Host: the request line's host for an absolute-form request, else Host.
        headers.add("X-Forwarded-Host", lineHost != null ? lineHost : hostHeader);
        headers.add("X-Forwarded-Uri", target);
        headers.add("X-Forwarded-Method", "GET");
        return OriginalRequest.traefik("GET", headers, URI.create("/traefik"));
      }
      case ENVOY -> {
        headers.add("Host", hostHeader);
        URI uri;
        try {
          uri = URI.create("/envoy" + rawPathOf(target));
        } catch (IllegalArgumentException e) {
          return null; // not a request line the JDK server would take
        }
        return OriginalRequest.envoy("GET", headers, uri, "/envoy");
      }
      default -> throw new IllegalStateException();
    }
  }

  private static boolean allows(Rule rule, boolean hasScope) {
    if (rule.deny()) {
      return false;
    }
    return rule.anonymous() || rule.scopes().isEmpty() || hasScope;
  }

  /** The route's rule as a backend picks it: no refusal, only a match. */
  private static Rule ruleWithoutRefusal(String host, String path) {
    for (Route route : POLICY.routes()) {
      if (route.matches(host, path, false)) {
        return route.rule();
      }
    }
    return POLICY.defaultRule();
  }

  /** nginx: the Host value before the first ':', lower case, without a trailing dot. */
  private static String routedHost(String host) {
    int colon = host.indexOf(':');
    String name = (colon >= 0 ? host.substring(0, colon) : host).toLowerCase(Locale.ROOT);
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  /** The ways backends read a raw request target's path. */
  static Set<String> backendReadings(String target) {
    String path = rawPathOf(target);
    Set<String> readings = new LinkedHashSet<>();
    String strict = resolve(decode(path, true));
    String servlet = resolve(decode(dropParameters(path), false).replace('\\', '/'));
    String decodedAll = resolve(decode(path, false).replace('\\', '/'));
    for (String reading : List.of(strict, servlet, decodedAll)) {
      readings.add(reading);
      readings.add(reading.toLowerCase(Locale.ROOT));
      int lastSegment = reading.lastIndexOf('/') + 1;
      int dot = reading.indexOf('.', lastSegment + 1);
      if (dot > 0) {
        readings.add(reading.substring(0, dot));
        readings.add(reading.substring(0, dot).toLowerCase(Locale.ROOT));
      }
    }
    return readings;
  }

  private static String rawPathOf(String target) {
    int cut = target.length();
    for (char c : new char[] {'?', '#'}) {
      int at = target.indexOf(c);
      if (at >= 0 && at < cut) {
        cut = at;
      }
    }
    return target.substring(0, cut);
  }

  private static String dropParameters(String path) {
    StringBuilder out = new StringBuilder();
    boolean inParameter = false;
    for (char c : path.toCharArray()) {
      if (c == '/') {
        inParameter = false;
      } else if (c == ';') {
        inParameter = true;
      }
      if (!inParameter) {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String decode(String path, boolean unreservedOnly) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] raw = path.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '%' && i + 2 < raw.length) {
        int high = Character.digit(raw[i + 1], 16);
        int low = Character.digit(raw[i + 2], 16);
        if (high >= 0 && low >= 0) {
          int b = high << 4 | low;
          boolean unreserved = Character.isLetterOrDigit(b) && b < 0x80 || "-._~".indexOf(b) >= 0;
          if (!unreservedOnly || unreserved) {
            bytes.write(b);
            i += 2;
            continue;
          }
        }
      }
      bytes.write(raw[i]);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static String resolve(String path) {
    Deque<String> segments = new ArrayDeque<>();
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        segments.pollLast();
      } else {
        segments.addLast(segment);
      }
    }
    return "/" + String.join("/", segments);
  }

  private static String pieces(Random random, String[] pieces, int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      text.append(pieces[random.nextInt(pieces.length)]);
    }
    return text.toString();
  }

  @Test
  void theReferenceReadsTheIssuesBypassesAsTheirTargets() {
    assertThat(backendReadings("/public/..;/internal")).contains("/internal");
    assertThat(backendReadings("/admin/x%2F..%2F..%2Fpublic")).contains("/public");
    assertThat(backendReadings("/Admin/users")).contains("/admin/users");
    assertThat(backendReadings("/admin.json")).contains("/admin");
    assertThat(new ArrayList<>(backendReadings("/a/b"))).containsExactly("/a/b");
  }
}
