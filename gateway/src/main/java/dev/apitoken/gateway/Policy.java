package dev.apitoken.gateway;

import java.util.Comparator;
import java.util.List;
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

  /**
   * The rule for a request: the most specific matching route's, else the default.
   *
   * @param host the original host, lower case without port, or null when unknown
   * @param path the original path, normalized (see {@link OriginalRequest})
   */
  public Rule ruleFor(String host, String path) {
    for (Route route : routes) {
      if (route.matches(host, path)) {
        return route.rule();
      }
    }
    return defaultRule;
  }
}
