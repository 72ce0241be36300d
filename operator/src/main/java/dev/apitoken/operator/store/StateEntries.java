package dev.apitoken.operator.store;

import dev.apitoken.operator.kubernetes.KubernetesWrites;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.token.RevokedKids;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Single entries of the operator state ConfigMap ({@code <trust>-state}, operator namespace): each
 * write changes one key and keeps everything else the ConfigMap holds, under optimistic
 * concurrency, and only the leader writes.
 */
public final class StateEntries {
  /**
   * The publication version ({@code ver} of every Status List Token). It only grows: each change of
   * the published content takes the next one, stored before any copy shows it, so verifiers keep
   * the highest version instead of trusting replicas' clocks. A stored value behind the highest
   * version of our own signed copies is a rollback of the operator state.
   */
  public static final String PUBLISHED_VERSION = "published-version";

  /** The revoked signing keys, beside the key-ring Secret's own record. */
  public static final String REVOKED_KIDS = "revoked-kids";

  /** The revoked keys' own statements of their revocation, one per line. */
  public static final String KEY_REVOCATIONS = "kid-revocations";

  private final ConfigMapApi api;
  private final String namespace;
  private final String name;
  private final Fence fence;

  public StateEntries(ConfigMapApi api, String namespace, String name, Fence fence) {
    this.api = api;
    this.namespace = namespace;
    this.name = name;
    this.fence = fence;
  }

  /** The ConfigMap, as {@code namespace/name}, for logs. */
  public String where() {
    return namespace + "/" + name;
  }

  /** The entry's value, null when absent (or the ConfigMap is); throws when it cannot be read. */
  public String read(String key) {
    ConfigMap current = api.get(namespace, name);
    return current == null || current.getData() == null ? null : current.getData().get(key);
  }

  /** Makes the entry hold {@code value} (null: removes it); writes only when it differs. */
  public void write(String key, String value) {
    update(key, stored -> value);
  }

  /**
   * Makes the entry hold what {@code next} makes of its stored value (null: absent; a null result
   * removes it), under optimistic concurrency: after a conflict it reads again and asks again.
   * Writes only when the value differs, and only as the leader.
   */
  public void update(String key, UnaryOperator<String> next) {
    for (int attempt = 1; ; attempt++) {
      ConfigMap current = api.get(namespace, name);
      Map<String, String> data =
          new HashMap<>(
              current == null || current.getData() == null ? Map.of() : current.getData());
      String value = next.apply(data.get(key));
      if (Objects.equals(data.get(key), value)) {
        return;
      }
      if (!fence.mayWrite()) {
        throw new IllegalStateException("not the leader: the operator state is left to the leader");
      }
      if (value == null) {
        data.remove(key);
      } else {
        data.put(key, value);
      }
      try {
        if (current == null) {
          api.create(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(namespace)
                  .withLabels(Labels.managed("state"))
                  .endMetadata()
                  .withData(data)
                  .build());
        } else {
          api.update(new ConfigMapBuilder(current).withData(data).build());
        }
        return;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** The stored publication version; 0 when none is stored or it is unreadable. */
  public long publishedVersion() {
    String value = read(PUBLISHED_VERSION);
    try {
      return value == null ? 0 : Math.max(0, Long.parseLong(value.strip()));
    } catch (NumberFormatException unreadable) {
      return 0;
    }
  }

  /** Stores the publication version (leader only). */
  public void publishedVersion(long version) {
    write(PUBLISHED_VERSION, Long.toString(version));
  }

  /** The revoked signing keys recorded here (see {@link RevokedKids#parse}). */
  public RevokedKids revokedKids(Instant seenAt) {
    return RevokedKids.parse(read(REVOKED_KIDS), seenAt);
  }

  /** Makes the record hold {@code kids}; writes only when it differs. */
  public void revokedKids(RevokedKids kids) {
    write(REVOKED_KIDS, kids.isEmpty() ? null : kids.format());
  }
}
