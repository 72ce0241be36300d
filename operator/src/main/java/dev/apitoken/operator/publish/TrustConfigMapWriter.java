package dev.apitoken.operator.publish;

import dev.apitoken.format.TrustedKeys;
import dev.apitoken.format.status.StatusListToken;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.kubernetes.KubernetesWrites;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.ConfigMapApi;
import dev.apitoken.operator.store.Fence;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Writes one shard's copy into one namespace. It writes only when the content differs from what the
 * {@link CopyInventory} saw there (no read per write), always against that version's
 * resourceVersion, and fenced: before each attempt the Lease is asked, and a copy that our own key
 * signed with a higher publication version than the one being written (another replica leads and
 * published since) is never overwritten. On a conflict it reads the copy again and decides again.
 */
public final class TrustConfigMapWriter {
  public static final String COMPONENT = "trust";

  private final ConfigMapApi api;
  private final CopyInventory copies;
  private final Fence fence;
  private final OperatorMetrics metrics;
  private final AtomicLong writes = new AtomicLong();

  /**
   * The highest version of ours a copy showed where a write of a lower one was refused: the next
   * round's content takes a version above it (the stored counter may have been lost with the
   * operator namespace while a copy outside it kept the higher version).
   */
  private final AtomicLong newestSeen = new AtomicLong();

  TrustConfigMapWriter(
      ConfigMapApi api, CopyInventory copies, Fence fence, OperatorMetrics metrics) {
    this.api = api;
    this.copies = copies;
    this.fence = fence;
    this.metrics = metrics;
  }

  /** A copy could not be written: names the copy and the API server's answer. */
  static final class CopyWriteFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    CopyWriteFailed(String namespace, String name, KubernetesClientException cause) {
      super(
          "writing ConfigMap "
              + name
              + " in namespace "
              + namespace
              + " failed ("
              + Failures.brief(cause)
              + ")",
          cause);
      this.code = cause.getCode();
    }

    /**
     * The namespace's API server refuses this write for a reason of its own (a quota or an
     * admission policy: 403; invalid or too large: 413, 422; the namespace gone: 404), which holds
     * up no other namespace; anything else (5xx, timeouts, conflicts) fails the round.
     */
    boolean refusedByNamespace() {
      return code == 403 || code == 404 || code == 413 || code == 422;
    }
  }

  /**
   * What writing every shard to every target did: how many writes changed a copy, the namespaces
   * whose every copy is written, those that refused a copy (with the first refusal), and the first
   * other failure, which fails the round.
   */
  record Outcome(
      long written,
      Set<String> delivered,
      Map<String, CopyWriteFailed> refused,
      RuntimeException failure) {}

  /** Writes {@code files} (shard by shard) into every namespace of {@code targets} at once. */
  Outcome writeAll(
      Set<String> targets,
      IntFunction<String> names,
      List<Map<String, String>> files,
      IntFunction<Map<String, String>> annotations,
      long version,
      TrustedKeys verifying,
      ExecutorService fanOut) {
    record Write(String namespace, CompletableFuture<Boolean> written) {}
    List<Write> writes = new ArrayList<>();
    for (String ns : targets) {
      for (int k = 0; k < files.size(); k++) {
        int shard = k;
        Map<String, String> annotated = annotations.apply(k);
        writes.add(
            new Write(
                ns,
                CompletableFuture.supplyAsync(
                    () ->
                        write(
                            ns,
                            shard,
                            names.apply(shard),
                            files.get(shard),
                            annotated,
                            version,
                            verifying),
                    fanOut)));
      }
    }
    CompletableFuture.allOf(writes.stream().map(Write::written).toArray(CompletableFuture[]::new))
        .exceptionally(failed -> null)
        .join();
    long written = 0;
    Set<String> delivered = new TreeSet<>(targets);
    Map<String, CopyWriteFailed> refused = new TreeMap<>();
    RuntimeException failure = null;
    for (Write write : writes) {
      try {
        written += write.written().join() ? 1 : 0;
      } catch (CompletionException e) {
        // A copy that failed (refused or not) is not delivered: it may lack what this round shows.
        delivered.remove(write.namespace());
        if (e.getCause() instanceof CopyWriteFailed failed && failed.refusedByNamespace()) {
          refused.putIfAbsent(write.namespace(), failed);
        } else if (failure == null) {
          failure =
              e.getCause() instanceof RuntimeException cause
                  ? cause
                  : new IllegalStateException(e.getCause());
        }
      }
    }
    return new Outcome(written, delivered, refused, failure);
  }

  /** ConfigMap writes made so far (creates and updates). */
  long writes() {
    return writes.get();
  }

  long newestSeen() {
    return newestSeen.get();
  }

  /**
   * Makes shard {@code shard}'s copy in {@code namespace} hold {@code data} and {@code annotations}
   * for publication version {@code version}; {@code verifying}: our own public keys.
   *
   * @return whether it wrote
   * @throws CopyWriteFailed when the API server refused or failed the write
   * @throws IllegalStateException when the fence or a newer publication forbids the write
   */
  boolean write(
      String namespace,
      int shard,
      String name,
      Map<String, String> data,
      Map<String, String> annotations,
      long version,
      TrustedKeys verifying) {
    Long beforeWrite = copies.beforeWrite(namespace, name);
    ConfigMap believed = copies.get(namespace, name);
    ConfigMap current = believed;
    for (int attempt = 1; ; attempt++) {
      // Asked before every write too: a round that outlives the Lease stops here.
      if (!fence.mayWrite()) {
        throw new IllegalStateException("not the leader any more: publishing nothing");
      }
      long newer = newerPublication(current, shard, version, verifying);
      if (newer > 0) {
        newestSeen.accumulateAndGet(newer, Math::max);
        throw new IllegalStateException(
            "another replica published version "
                + newer
                + " meanwhile (this round writes "
                + version
                + "): publishing nothing");
      }
      if (current != null
          && Objects.equals(current.getData(), data)
          && isOurs(current)
          && hasAnnotations(current, annotations)) {
        break;
      }
      try {
        current =
            current == null
                ? api.create(desired(namespace, name, data, annotations, null))
                : api.update(desired(namespace, name, data, annotations, current));
        writes.incrementAndGet();
        break;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw new CopyWriteFailed(namespace, name, e);
        }
        try {
          current = api.get(namespace, name);
        } catch (KubernetesClientException unreadable) {
          throw new CopyWriteFailed(namespace, name, unreadable);
        }
      }
    }
    boolean changed = believed == null || current != believed;
    copies.written(current, beforeWrite);
    metrics.trustWrite(namespace, changed);
    return changed;
  }

  /**
   * The version of the copy about to be replaced when our own key signed it and it is newer than
   * {@code version}; 0 otherwise. A higher version that does not verify is a tenant's forgery and
   * is simply overwritten.
   */
  private static long newerPublication(
      ConfigMap current, int shard, long version, TrustedKeys verifying) {
    String compact =
        current == null || current.getData() == null
            ? null
            : current.getData().get(TrustDocument.statusListTokenKey(shard));
    if (compact == null) {
      return 0;
    }
    try {
      if (StatusListToken.readUnverified(compact).version() <= version) {
        return 0;
      }
      long shown = StatusListToken.parse(compact, verifying).version();
      return shown > version ? shown : 0;
    } catch (RuntimeException notOurs) {
      return 0;
    }
  }

  private static boolean isOurs(ConfigMap current) {
    Map<String, String> labels = current.getMetadata().getLabels();
    return labels != null
        && Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY))
        && COMPONENT.equals(labels.get(Labels.COMPONENT));
  }

  private static boolean hasAnnotations(ConfigMap map, Map<String, String> annotations) {
    Map<String, String> present = map.getMetadata().getAnnotations();
    return annotations.entrySet().stream()
        .allMatch(e -> present != null && e.getValue().equals(present.get(e.getKey())));
  }

  private static ConfigMap desired(
      String namespace,
      String name,
      Map<String, String> data,
      Map<String, String> annotations,
      ConfigMap current) {
    ConfigMapBuilder builder =
        current == null ? new ConfigMapBuilder() : new ConfigMapBuilder(current);
    return builder
        .editOrNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels(Labels.managed(COMPONENT))
        .addToAnnotations(
            "apitoken.dev/description",
            "Public keys (jwks.json) and revocation status list (status-list*.json) for verifying"
                + " ApiTokens. Mount as a directory, never with subPath. Managed by the operator.")
        .addToAnnotations(annotations)
        .endMetadata()
        .withData(Map.copyOf(data))
        .build();
  }
}
