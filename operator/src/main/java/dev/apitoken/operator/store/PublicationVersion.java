package dev.apitoken.operator.store;

/**
 * The publication version ({@code ver} of every Status List Token) as stored in the operator state
 * ConfigMap, key {@value #KEY}. It only grows: each change of the published content takes the next
 * one, stored before any copy shows it, so verifiers can keep the highest version instead of
 * trusting replicas' clocks. A stored value behind the highest version of our own signed copies is
 * a rollback of the operator state.
 */
public final class PublicationVersion {
  public static final String KEY = "published-version";

  private final StateEntries state;

  public PublicationVersion(StateEntries state) {
    this.state = state;
  }

  /** The stored version; 0 when none is stored or it is unreadable. */
  public long read() {
    String value = state.read(KEY);
    try {
      return value == null ? 0 : Math.max(0, Long.parseLong(value.strip()));
    } catch (NumberFormatException unreadable) {
      return 0;
    }
  }

  /** Stores {@code version} (leader only). */
  public void write(long version) {
    state.write(KEY, Long.toString(version));
  }
}
