package dev.apitoken.gateway;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The gateway's route policy: which rule applies to a request, and the names of the identity
 * headers. Immutable; {@link PolicyWatcher} swaps in a new one when the file changes. Read from
 * YAML by {@link PolicyFile}.
 *
 * @param headers the identity header names
 * @param defaultRule applies where no route matches
 * @param routes most specific first (see {@link Route#specificity()})
 */
public record Policy(IdentityHeaders headers, Rule defaultRule, List<Route> routes) {
  /** Without a policy file: every request needs a valid token of any audience. */
  public static final Policy DEFAULT =
      new Policy(IdentityHeaders.DEFAULT, Rule.TOKEN_REQUIRED, List.of());

  public Policy {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(defaultRule, "defaultRule");
    routes =
        routes.stream().sorted(Comparator.comparingLong(Route::specificity).reversed()).toList();
  }

  /** Whether a route is bound to a host: the policy then depends on the request's host. */
  public boolean hasHostRoutes() {
    return routes.stream().anyMatch(route -> route.host() != null);
  }

  /**
   * The rule for a request: the most specific matching route's, else the default.
   *
   * <p>Fails closed where a backend could serve the path as another route's: case-insensitive
   * routers serve {@code /Admin/users} as {@code /admin/users}, suffix-matching ones (Spring's
   * suffix patterns, Rails formats) {@code /admin.json} as {@code /admin}. When the path read that
   * way (lower case, the last segment's {@code .extension} dropped) falls to another route than the
   * path as written, the request is refused. A route marked {@code ignoreCase} matches any case
   * itself.
   *
   * @param host the original host, lower case without port, or null when unknown
   * @param path the original path in canonical form (see {@link CanonicalPath})
   * @throws RequestRefused when the path's readings fall to different routes
   */
  public Rule ruleFor(String host, String path) {
    Route route = route(host, path, false);
    String lenient = lenientReading(path);
    if (lenient != null && route(host, lenient, true) != route) {
      throw new RequestRefused(
          "the path may be served as another route's (its case or its .extension differs)");
    }
    return route == null ? defaultRule : route.rule();
  }

  private Route route(String host, String path, boolean foldCase) {
    for (Route route : routes) {
      if (route.matches(host, path, foldCase)) {
        return route;
      }
    }
    return null;
  }

  /**
   * The path in lower case without its last segment's extension; null when that is the path itself
   * (no upper-case letter, no extension), the common case, answered without allocating.
   */
  private static String lenientReading(String path) {
    int lastSegment = path.lastIndexOf('/') + 1;
    int extension = path.indexOf('.', lastSegment + 1);
    boolean upperCase = false;
    for (int i = 0; i < path.length() && !upperCase; i++) {
      char c = path.charAt(i);
      upperCase = c >= 'A' && c <= 'Z';
    }
    if (!upperCase && extension < 0) {
      return null;
    }
    return (extension < 0 ? path : path.substring(0, extension)).toLowerCase(Locale.ROOT);
  }
}
