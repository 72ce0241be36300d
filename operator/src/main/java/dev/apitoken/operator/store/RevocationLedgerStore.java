package dev.apitoken.operator.store;

import dev.apitoken.operator.denylist.RevocationLedger;
import dev.apitoken.operator.denylist.RevokedToken;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the authoritative {@link RevocationLedger} in a ConfigMap in the operator's namespace. A
 * revocation counts only once it is written there: callers get a future that completes after the
 * write. Concurrent revocations are written together in one batch, and every write is made against
 * the resourceVersion last seen, merging with whatever another writer stored, so a revocation is
 * never overwritten. If someone deletes or edits the ConfigMap, the ledger held in memory is merged
 * back.
 */
public final class RevocationLedgerStore implements AutoCloseable {
  /** Verifiers' clock-skew leeway is far below this: a pruned token is rejected by its expiry. */
  public static final Duration PRUNE_LEEWAY = Duration.ofHours(1);

  /** Conflicts are transient (another writer got there first); give up only on a livelock. */
  private static final int MAX_CONFLICT_ATTEMPTS = 100;

  private static final Logger LOG = LoggerFactory.getLogger(RevocationLedgerStore.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final Clock clock;
  private final Runnable onChange;
  private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final Thread writer;

  /** The ledger as last written or read; what revocations are checked against. */
  private volatile RevocationLedger ledger = RevocationLedger.empty();

  /** What the ConfigMap holds at {@link #resourceVersion}, as far as the writer knows. */
  private RevocationLedger stored = RevocationLedger.empty();

  private volatile String resourceVersion;
  private SharedIndexInformer<ConfigMap> informer;

  /**
   * Tokens to add; {@code refresh} re-reads the stored ConfigMap first (after a foreign change).
   */
  private record Request(
      Collection<RevokedToken> tokens, boolean refresh, CompletableFuture<Void> written) {}

  public RevocationLedgerStore(
      KubernetesClient client, String namespace, String name, Clock clock, Runnable onChange) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.clock = clock;
    this.onChange = onChange;
    this.writer = new Thread(this::writeLoop, "revocation-ledger-writer");
    this.writer.setDaemon(true);
  }

  public RevocationLedger start() {
    fetchStored();
    ledger = stored;
    writer.start();
    informer = configMap().inform(new RepairOnForeignChange());
    LOG.info("event=ledger_loaded configmap={}/{} revoked={}", namespace, name, ledger.size());
    return ledger;
  }

  public RevocationLedger current() {
    return ledger;
  }

  /** Completes once every token is recorded in the stored ledger; at once if already there. */
  public CompletableFuture<Void> revoke(Collection<RevokedToken> tokens) {
    RevocationLedger known = ledger;
    if (tokens.stream().allMatch(known::contains)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> written = new CompletableFuture<>();
    queue.add(new Request(List.copyOf(tokens), false, written));
    return written;
  }

  /** Forgets revocations of tokens that have long expired (writes only if something goes). */
  public CompletableFuture<Void> prune() {
    CompletableFuture<Void> written = new CompletableFuture<>();
    queue.add(new Request(List.of(), false, written));
    return written;
  }

  private void writeLoop() {
    while (!Thread.currentThread().isInterrupted()) {
      List<Request> batch = new ArrayList<>();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch);
      try {
        writeBatch(batch);
        batch.forEach(r -> r.written().complete(null));
      } catch (RuntimeException e) {
        LOG.warn(
            "event=ledger_write_failed configmap={}/{} error={}", namespace, name, e.toString());
        batch.forEach(r -> r.written().completeExceptionally(e));
      }
    }
  }

  private void writeBatch(List<Request> batch) {
    List<RevokedToken> tokens = new ArrayList<>();
    batch.forEach(r -> tokens.addAll(r.tokens()));
    if (batch.stream().anyMatch(Request::refresh)) {
      fetchStored();
    }
    RevocationLedger wanted =
        stored.union(ledger).with(tokens).prune(clock.instant(), PRUNE_LEEWAY);
    for (int attempt = 1; ; attempt++) {
      if (resourceVersion != null && wanted.equals(stored)) {
        adopt(wanted);
        return;
      }
      try {
        ConfigMap written =
            resourceVersion == null
                ? client
                    .configMaps()
                    .inNamespace(namespace)
                    .resource(toConfigMap(wanted, null))
                    .create()
                : client
                    .configMaps()
                    .inNamespace(namespace)
                    .resource(toConfigMap(wanted, resourceVersion))
                    .update();
        resourceVersion = written.getMetadata().getResourceVersion();
        stored = wanted;
        adopt(wanted);
        return;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= MAX_CONFLICT_ATTEMPTS) {
          throw e;
        }
        // Someone else wrote (or deleted) it: merge what is stored with what we want.
        backOff(attempt);
        fetchStored();
        wanted = stored.union(wanted).prune(clock.instant(), PRUNE_LEEWAY);
      }
    }
  }

  /** After a few quick retries, spread competing writers apart. */
  private static void backOff(int attempt) {
    if (attempt > 3) {
      try {
        Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(5, 50));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void adopt(RevocationLedger next) {
    boolean changed = !next.equals(ledger);
    ledger = next;
    if (changed) {
      onChange.run();
    }
  }

  private void fetchStored() {
    ConfigMap map = configMap().get();
    resourceVersion = map == null ? null : map.getMetadata().getResourceVersion();
    try {
      stored = map == null ? RevocationLedger.empty() : RevocationLedger.decode(dataOf(map));
    } catch (RuntimeException corrupt) {
      LOG.error(
          "event=ledger_corrupt configmap={}/{} action=rewriting_from_memory error={}",
          namespace,
          name,
          corrupt.getMessage());
      stored = RevocationLedger.empty();
    }
  }

  /** A ConfigMap holds at most 1 MiB; say so well before a write would be refused. */
  private static final int WARN_BYTES = 800 * 1024;

  private ConfigMap toConfigMap(RevocationLedger value, String version) {
    Map<String, String> data = value.encode();
    long bytes =
        data.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length()).sum();
    if (bytes > WARN_BYTES) {
      LOG.warn(
          "event=ledger_near_size_limit configmap={}/{} bytes={} revoked={} limit=1048576",
          namespace,
          name,
          bytes,
          value.size());
    }
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withResourceVersion(version)
        .withLabels(Labels.managed("revocations"))
        .addToAnnotations(
            "apitoken.dev/description",
            "Authoritative list of revoked ApiTokens. Do not edit: the operator restores it.")
        .endMetadata()
        .withData(data)
        .build();
  }

  private static Map<String, String> dataOf(ConfigMap map) {
    return map.getData() == null ? Map.of() : map.getData();
  }

  private io.fabric8.kubernetes.client.dsl.Resource<ConfigMap> configMap() {
    return client.configMaps().inNamespace(namespace).withName(name);
  }

  /** Puts back revocations that a foreign edit or deletion removed from the stored ledger. */
  private final class RepairOnForeignChange implements ResourceEventHandler<ConfigMap> {
    @Override
    public void onAdd(ConfigMap map) {
      check(map);
    }

    @Override
    public void onUpdate(ConfigMap before, ConfigMap after) {
      check(after);
    }

    @Override
    public void onDelete(ConfigMap map, boolean finalStateUnknown) {
      LOG.warn("event=ledger_deleted configmap={}/{} action=restoring", namespace, name);
      queue.add(new Request(List.of(), true, new CompletableFuture<>()));
    }

    private void check(ConfigMap map) {
      if (Objects.equals(map.getMetadata().getResourceVersion(), resourceVersion)
          || Objects.equals(dataOf(map), ledger.encode())) {
        return;
      }
      boolean losesRevocations;
      try {
        RevocationLedger foreign = RevocationLedger.decode(dataOf(map));
        losesRevocations = !foreign.union(ledger).equals(foreign);
      } catch (RuntimeException corrupt) {
        losesRevocations = true;
      }
      if (losesRevocations) {
        LOG.warn("event=ledger_edited configmap={}/{} action=restoring", namespace, name);
        queue.add(new Request(List.of(), true, new CompletableFuture<>()));
      }
    }
  }

  @Override
  public void close() {
    writer.interrupt();
    if (informer != null) {
      informer.close();
    }
  }
}
