package dev.apitoken.operator.store;

import dev.apitoken.operator.token.RevokedKids;
import java.time.Clock;

/**
 * The revoked signing keys as recorded in the operator state ConfigMap ({@code <trust>-state}, key
 * {@value #KEY}), beside the index counter.
 */
public final class StateRevokedKids {
  public static final String KEY = "revoked-kids";

  private final StateEntries state;
  private final Clock clock;

  public StateRevokedKids(StateEntries state, Clock clock) {
    this.state = state;
    this.clock = clock;
  }

  public RevokedKids read() {
    return RevokedKids.parse(state.read(KEY), clock.instant());
  }

  /** Makes the record hold {@code kids}; writes only when it differs. */
  public void write(RevokedKids kids) {
    state.write(KEY, kids.isEmpty() ? null : kids.format());
  }
}
