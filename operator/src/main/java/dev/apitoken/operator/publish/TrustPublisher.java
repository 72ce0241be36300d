package dev.apitoken.operator.publish;

import dev.apitoken.operator.denylist.RevocationLedger;
import dev.apitoken.operator.denylist.TrustDocument;
import dev.apitoken.operator.runtime.DaemonThreads;
import dev.apitoken.operator.runtime.OperatorMetrics;
import dev.apitoken.operator.store.Labels;
import dev.apitoken.operator.token.Jwks;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.SigningKey;
import dev.apitoken.verifier.status.StatusListDocument;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the trust ConfigMap (public keys and status list) into the operator's namespace and
 * every namespace the selector picks, including namespaces created later, and puts back copies that
 * someone edits or deletes. Requests coalesce: while one round of writes runs, any number of new
 * requests lead to one more round, so a burst of revocations costs a handful of writes per
 * namespace. The document is always computed from the authoritative state (key ring and revocation
 * ledger), never from a previous copy.
 */
public final class TrustPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrustPublisher.class);
  private static final long RETRY_MILLIS = 1000;

  private final KubernetesClient client;
  private final TrustConfigMapWriter writer;
  private final String operatorNamespace;
  private final String namespaceSelector;
  private final String statusListUri;
  private final Supplier<RevocationLedger> ledger;
  private final LongSupplier reservedUpTo;
  private final OperatorMetrics metrics;
  private final ExecutorService fanOut;

  /** Monotonic time of the oldest request not yet covered by a publish (0: none pending). */
  private final AtomicLong pendingSinceNanos = new AtomicLong();

  private final Thread worker;
  private final Object signal = new Object();
  private boolean dirty;
  private volatile boolean running;
  private volatile PublicKeys keys = new PublicKeys(null, Set.of());

  /** The kids of the JWKS the last complete round wrote to every target namespace. */
  private volatile Set<String> publishedKids = Set.of();

  private volatile Runnable onPublished = () -> {};

  private record PublicKeys(String jwksJson, Set<String> kids) {}

  /** The ledger the last complete round wrote to every target namespace. */
  private volatile RevocationLedger publishedLedger;

  private volatile Map<String, String> lastDocument;
  private SharedIndexInformer<Namespace> namespaces;
  private SharedIndexInformer<ConfigMap> copies;

  public TrustPublisher(
      KubernetesClient client,
      String configMapName,
      String operatorNamespace,
      String namespaceSelector,
      String statusListUri,
      Supplier<RevocationLedger> ledger,
      LongSupplier reservedUpTo,
      OperatorMetrics metrics) {
    this.client = client;
    this.writer = new TrustConfigMapWriter(client, configMapName);
    this.operatorNamespace = operatorNamespace;
    this.namespaceSelector = namespaceSelector;
    this.statusListUri = statusListUri;
    this.ledger = ledger;
    this.reservedUpTo = reservedUpTo;
    this.metrics = metrics;
    this.fanOut = Executors.newFixedThreadPool(4, DaemonThreads.named("trust-fan-out"));
    this.worker = new Thread(this::publishLoop, "trust-publisher");
    this.worker.setDaemon(true);
  }

  /**
   * How many indices the status list published in {@code namespace} covers (0 when there is none):
   * every index below it may belong to a token that was handed out.
   */
  public static long publishedCoverage(KubernetesClient client, String namespace, String name) {
    ConfigMap published = client.configMaps().inNamespace(namespace).withName(name).get();
    String document =
        published == null || published.getData() == null
            ? null
            : published.getData().get(TrustDocument.STATUS_LIST_KEY);
    try {
      return document == null ? 0 : StatusListDocument.parse(document).statusList().size();
    } catch (RuntimeException unreadable) {
      return 0;
    }
  }

  /** Starts watching target namespaces and copies, publishes once, then follows changes. */
  public void start() {
    var namespaceQuery = client.namespaces();
    namespaces =
        (namespaceSelector.isBlank()
                ? namespaceQuery
                : namespaceQuery.withLabelSelector(namespaceSelector))
            .inform(new RepublishOn<>(false));
    copies =
        client
            .configMaps()
            .inAnyNamespace()
            .withLabels(
                Map.of(
                    Labels.MANAGED_BY,
                    Labels.MANAGED_BY_VALUE,
                    Labels.COMPONENT,
                    TrustConfigMapWriter.COMPONENT))
            .inform(new RepublishOn<>(true));
    running = true;
    publishNow();
    worker.start();
  }

  /** Called with every new key ring: keys are published before anything is signed with them. */
  public void publishKeys(KeyRing ring) {
    keys =
        new PublicKeys(
            Jwks.publicJson(ring),
            ring.keys().stream().map(SigningKey::kid).collect(Collectors.toUnmodifiableSet()));
    if (running) {
      publishNow();
    }
  }

  /** Asks for a publish soon; many requests during one round make one more round. */
  public void requestPublish() {
    pendingSinceNanos.compareAndSet(0, System.nanoTime());
    synchronized (signal) {
      dirty = true;
      signal.notifyAll();
    }
  }

  /** True when every given index is revoked in the copy written to every target namespace. */
  public boolean isPublished(Collection<Long> indices) {
    RevocationLedger published = publishedLedger;
    return published != null && indices.stream().allMatch(published::isRevoked);
  }

  /** True when {@code kid} is in the JWKS written to every target namespace. */
  public boolean keyPublishedEverywhere(String kid) {
    return publishedKids.contains(kid);
  }

  /** Runs after every complete round (for example to wake issuance waiting for a new key). */
  public void onPublished(Runnable listener) {
    onPublished = listener;
  }

  public long configMapWrites() {
    return writer.writes();
  }

  /** The namespaces that receive a copy: the selected ones and the operator's own. */
  public Set<String> targetNamespaces() {
    Set<String> targets = new TreeSet<>();
    targets.add(operatorNamespace);
    namespaces.getStore().list().stream()
        .filter(ns -> ns.getMetadata().getDeletionTimestamp() == null)
        .forEach(ns -> targets.add(ns.getMetadata().getName()));
    return targets;
  }

  /** One round: compute the document from the authoritative state and write it everywhere. */
  public synchronized void publishNow() {
    long requestedAt = pendingSinceNanos.getAndSet(0);
    RevocationLedger snapshot = ledger.get();
    PublicKeys keySnapshot = keys;
    Map<String, String> document =
        TrustDocument.compose(
            keySnapshot.jwksJson(), snapshot, reservedUpTo.getAsLong(), statusListUri);
    lastDocument = document;
    Set<String> targets = targetNamespaces();
    List<CompletableFuture<Boolean>> writes =
        targets.stream()
            .map(
                ns ->
                    CompletableFuture.supplyAsync(
                        () ->
                            writer.write(
                                ns, document, copies.getStore().getByKey(ns + "/" + writer.name())),
                        fanOut))
            .toList();
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    long written = writes.stream().filter(CompletableFuture::join).count();
    publishedLedger = snapshot;
    publishedKids = keySnapshot.kids();
    onPublished.run();
    metrics.publishCompleted(
        targets.size(),
        document.get(TrustDocument.STATUS_LIST_KEY).length(),
        snapshot.size(),
        requestedAt == 0 ? null : Duration.ofNanos(System.nanoTime() - requestedAt));
    if (written > 0) {
      LOG.info(
          "event=trust_published configmap={} namespaces={} written={} revoked={} status_list_bytes={}",
          writer.name(),
          targets.size(),
          written,
          snapshot.size(),
          document.get(TrustDocument.STATUS_LIST_KEY).length());
    }
  }

  private void publishLoop() {
    while (running) {
      try {
        synchronized (signal) {
          while (!dirty && running) {
            signal.wait();
          }
          dirty = false;
        }
        publishNow();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("event=trust_publish_failed error={} action=retrying", e.toString());
        synchronized (signal) {
          dirty = true;
          try {
            signal.wait(RETRY_MILLIS);
          } catch (InterruptedException interrupted) {
            return;
          }
        }
      }
    }
  }

  /** Republishes when a namespace appears or a copy is changed or deleted by someone else. */
  private final class RepublishOn<T extends io.fabric8.kubernetes.api.model.HasMetadata>
      implements ResourceEventHandler<T> {
    private final boolean onlyIfChanged;

    RepublishOn(boolean onlyIfChanged) {
      this.onlyIfChanged = onlyIfChanged;
    }

    @Override
    public void onAdd(T resource) {
      if (!onlyIfChanged || differs(resource)) {
        requestPublish();
      }
    }

    @Override
    public void onUpdate(T before, T after) {
      if (onlyIfChanged && differs(after)) {
        requestPublish();
      }
    }

    @Override
    public void onDelete(T resource, boolean finalStateUnknown) {
      if (onlyIfChanged && running) {
        requestPublish();
      }
    }

    private boolean differs(T resource) {
      return running
          && resource instanceof ConfigMap map
          && !Objects.equals(map.getData(), lastDocument);
    }
  }

  @Override
  public void close() {
    running = false;
    worker.interrupt();
    fanOut.shutdownNow();
    if (namespaces != null) {
      namespaces.close();
    }
    if (copies != null) {
      copies.close();
    }
  }
}
