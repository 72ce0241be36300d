package dev.apitoken.operator.reconcile;

import dev.apitoken.operator.api.ApiToken;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The state of every ApiToken as last reconciled, for the {@code apitoken_tokens} gauge. */
public final class TokenStates {
  public static final String READY = "ready";
  public static final String INVALID = "invalid";
  public static final String FAILED = "failed";

  /** A token is due but waits for its signing key to be published or for its reissue turn. */
  public static final String PENDING = "pending";

  public static final String REVOKED = "revoked";

  private final Map<String, String> byApiToken = new ConcurrentHashMap<>();

  void set(ApiToken apiToken, String state) {
    byApiToken.put(key(apiToken), state);
  }

  void remove(ApiToken apiToken) {
    byApiToken.remove(key(apiToken));
  }

  public Map<String, Long> counts() {
    Map<String, Long> counts = new TreeMap<>();
    byApiToken.values().forEach(state -> counts.merge(state, 1L, Long::sum));
    return counts;
  }

  private static String key(ApiToken apiToken) {
    return apiToken.getMetadata().getNamespace() + "/" + apiToken.getMetadata().getName();
  }
}
