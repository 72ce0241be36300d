package dev.apitoken.operator.reconcile;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Consumer;
import dev.apitoken.operator.kubernetes.Failures;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the workloads that use an ApiToken's Secret, and tells them (and the ApiToken) when its
 * token is issued anew or revoked. One Pod list per namespace per call; a Pod is traced to its
 * owner through controller ownerReferences (Pod, ReplicaSet, Deployment; Job, CronJob). None of
 * this is needed for a token to be valid, so nothing here fails a reconcile: without permission the
 * consumers are simply unknown.
 */
final class TokenConsumers {
  static final String REASON_ISSUED = "TokenIssued";
  static final String REASON_REISSUED = "TokenReissued";
  static final String REASON_REVOKED = "TokenRevoked";

  /** On the ApiToken: which workloads were told. */
  static final String REASON_NOTIFIED = "ConsumersNotified";

  /** How many consumers status lists, and an Event names; the count covers the rest. */
  static final int MAX_LISTED = 20;

  /** ReplicaSets and Jobs traced to their owner, by uid; ownership rarely changes. */
  private static final int MAX_CACHED_OWNERS = 4096;

  private static final Logger LOG = LoggerFactory.getLogger(TokenConsumers.class);

  /** A workload using the Secret; {@code readsEnv} when some of its Pods read it through env. */
  record Workload(String apiVersion, String kind, String name, String uid, boolean readsEnv) {
    Consumer consumer() {
      return new Consumer(kind, name);
    }

    String describe(String namespace) {
      return kind + " " + namespace + "/" + name;
    }

    /** What an Event is recorded on. */
    HasMetadata subject(String namespace) {
      GenericKubernetesResource subject = new GenericKubernetesResource();
      subject.setApiVersion(apiVersion);
      subject.setKind(kind);
      subject.setMetadata(
          new ObjectMetaBuilder().withName(name).withNamespace(namespace).withUid(uid).build());
      return subject;
    }
  }

  /**
   * The consumers found, sorted by kind and name; {@code known} is false when the Pods could not be
   * listed (then {@code forbidden} says whether RBAC refused it).
   */
  record Lookup(boolean known, boolean forbidden, List<Workload> workloads) {
    static Lookup forbiddenLookup() {
      return new Lookup(false, true, List.of());
    }

    static Lookup failed() {
      return new Lookup(false, false, List.of());
    }
  }

  /** How a Pod uses a Secret. */
  enum Use {
    NONE,
    VOLUME,
    ENV
  }

  /** What happened to the token, for the Events. */
  enum Change {
    ISSUED,
    REISSUED,
    REVOKED,
    DELETED
  }

  /** How long one Pod list of a namespace serves every ApiToken there. */
  static final Duration POD_LIST_REUSE = Duration.ofSeconds(5);

  /** A Pod that uses Secrets: its name, uid, controller (null: none) and the Secrets it uses. */
  private record PodUse(
      String name, String uid, OwnerReference controller, Map<String, Use> secrets) {}

  private record Snapshot(long takenAt, List<PodUse> pods) {}

  private final EventRecorder events;
  private final LongSupplier ticker;
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final Map<String, Optional<OwnerReference>> owners =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Optional<OwnerReference>> e) {
              return size() > MAX_CACHED_OWNERS;
            }
          });

  TokenConsumers(EventRecorder events) {
    this(events, System::nanoTime);
  }

  /** {@code ticker}: monotonic nanoseconds, for how long a Pod list is reused. */
  TokenConsumers(EventRecorder events, LongSupplier ticker) {
    this.events = events;
    this.ticker = ticker;
  }

  /** The workloads whose Pods in {@code namespace} use Secret {@code secretName}. */
  Lookup find(KubernetesClient client, String namespace, String secretName) {
    List<PodUse> pods;
    try {
      pods = pods(client, namespace);
    } catch (KubernetesClientException e) {
      boolean forbidden = e.getCode() == HttpURLConnection.HTTP_FORBIDDEN;
      warnOnce(
          namespace + "/pods/" + e.getCode(),
          "{} {} {} {}",
          kv("event", "consumers_unknown"),
          kv("namespace", namespace),
          kv("error", Failures.describe(e)),
          kv(
              "action",
              forbidden
                  ? "status.consumers omitted; grant list on pods to see them"
                  : "status.consumers kept as before"));
      return forbidden ? Lookup.forbiddenLookup() : Lookup.failed();
    }
    Map<String, Workload> byOwner = new TreeMap<>();
    for (PodUse pod : pods) {
      Use use = pod.secrets().getOrDefault(secretName, Use.NONE);
      if (use == Use.NONE) {
        continue;
      }
      Workload owner = owner(client, namespace, pod, use == Use.ENV);
      byOwner.merge(
          owner.kind() + "/" + owner.name(),
          owner,
          (a, b) ->
              new Workload(
                  a.apiVersion(), a.kind(), a.name(), a.uid(), a.readsEnv() || b.readsEnv()));
    }
    List<Workload> sorted = new ArrayList<>(byOwner.values());
    sorted.sort(Comparator.comparing(Workload::kind).thenComparing(Workload::name));
    return new Lookup(true, false, List.copyOf(sorted));
  }

  /**
   * The Pods of a namespace that use any Secret, as read at most {@link #POD_LIST_REUSE} ago: when
   * many ApiTokens of one namespace reconcile at once (a start, a key revocation), they share one
   * list. Only what is needed is kept, never whole Pods.
   */
  private List<PodUse> pods(KubernetesClient client, String namespace) {
    long now = ticker.getAsLong();
    Snapshot cached = snapshots.get(namespace);
    if (cached != null && now - cached.takenAt() < POD_LIST_REUSE.toNanos()) {
      return cached.pods();
    }
    // resourceVersion 0: served from the API server's cache, not a quorum read of etcd.
    List<Pod> listed =
        client
            .pods()
            .inNamespace(namespace)
            .list(new ListOptionsBuilder().withResourceVersion("0").build())
            .getItems();
    List<PodUse> pods = new ArrayList<>();
    for (Pod pod : listed) {
      Map<String, Use> secrets = uses(pod.getSpec());
      if (!secrets.isEmpty()) {
        pods.add(
            new PodUse(
                pod.getMetadata().getName(),
                pod.getMetadata().getUid(),
                controllerOf(pod.getMetadata().getOwnerReferences()).orElse(null),
                secrets));
      }
    }
    snapshots.values().removeIf(s -> now - s.takenAt() >= POD_LIST_REUSE.toNanos());
    snapshots.put(namespace, new Snapshot(now, List.copyOf(pods)));
    return pods;
  }

  /**
   * Records an Event on each consumer, and one on the ApiToken naming them. A token value never
   * appears: the token is named by its jti.
   */
  void notify(
      ApiToken apiToken, String secretName, Lookup lookup, Change change, String jti, String exp) {
    if (!lookup.known() || lookup.workloads().isEmpty()) {
      return;
    }
    String namespace = apiToken.getMetadata().getNamespace();
    String apiTokenName = "ApiToken " + namespace + "/" + apiToken.getMetadata().getName();
    String reason = reason(change);
    for (Workload workload : lookup.workloads()) {
      events.record(
          workload.subject(namespace),
          EventRecorder.NORMAL,
          reason,
          message(apiTokenName, secretName, change, jti, exp, workload.readsEnv()));
    }
    events.record(
        apiToken,
        EventRecorder.NORMAL,
        REASON_NOTIFIED,
        "Secret "
            + secretName
            + " is used by "
            + names(lookup.workloads(), namespace)
            + "; each got a "
            + reason
            + " Event");
  }

  /** "Deployment shop/orders, StatefulSet shop/db" and, past {@link #MAX_LISTED}, "and N more". */
  static String names(List<Workload> workloads, String namespace) {
    String listed =
        String.join(
            ", ", workloads.stream().limit(MAX_LISTED).map(w -> w.describe(namespace)).toList());
    int more = workloads.size() - MAX_LISTED;
    return more > 0 ? listed + " and " + more + " more" : listed;
  }

  private static String reason(Change change) {
    return switch (change) {
      case ISSUED -> REASON_ISSUED;
      case REISSUED -> REASON_REISSUED;
      case REVOKED, DELETED -> REASON_REVOKED;
    };
  }

  private static String message(
      String apiToken, String secret, Change change, String jti, String exp, boolean readsEnv) {
    return switch (change) {
      case ISSUED ->
          apiToken
              + " wrote its first token (jti "
              + jti
              + ", expires "
              + exp
              + ") to Secret "
              + secret;
      case REISSUED ->
          apiToken
              + " wrote a new token (jti "
              + jti
              + ", expires "
              + exp
              + ") to Secret "
              + secret
              + (readsEnv
                  ? ": Pods that read it through environment variables see it only after a"
                      + " restart (spec.rolloutRestart of the ApiToken can do that)"
                  : ": mounted Secret volumes are updated by the kubelet within a minute or two");
      case REVOKED ->
          apiToken
              + " was revoked: its tokens are refused by verifiers and Secret "
              + secret
              + " is deleted; Pods that still need a token need another ApiToken";
      case DELETED ->
          apiToken
              + " was deleted: its tokens are revoked and Secret "
              + secret
              + " is deleted; Pods that still need a token need another ApiToken";
    };
  }

  /** How {@code spec} uses Secret {@code secret}: through env wins, as it needs a restart. */
  static Use use(PodSpec spec, String secret) {
    return uses(spec).getOrDefault(secret, Use.NONE);
  }

  /** Every Secret {@code spec} uses, and how. */
  static Map<String, Use> uses(PodSpec spec) {
    if (spec == null) {
      return Map.of();
    }
    Map<String, Use> uses = new HashMap<>();
    volumeSecrets(spec.getVolumes()).forEach(name -> uses.put(name, Use.VOLUME));
    Stream.of(
            containerEnv(spec.getContainers(), c -> c.getEnv(), c -> c.getEnvFrom()),
            containerEnv(spec.getInitContainers(), c -> c.getEnv(), c -> c.getEnvFrom()),
            containerEnv(spec.getEphemeralContainers(), c -> c.getEnv(), c -> c.getEnvFrom()))
        .flatMap(names -> names)
        .forEach(name -> uses.put(name, Use.ENV));
    return uses;
  }

  private static <C> Stream<String> containerEnv(
      Collection<C> containers,
      java.util.function.Function<C, List<EnvVar>> env,
      java.util.function.Function<C, List<EnvFromSource>> envFrom) {
    if (containers == null) {
      return Stream.empty();
    }
    return containers.stream()
        .flatMap(
            c ->
                Stream.concat(
                    nullToEmpty(env.apply(c)).stream()
                        .map(EnvVar::getValueFrom)
                        .filter(Objects::nonNull)
                        .map(
                            v ->
                                v.getSecretKeyRef() == null ? null : v.getSecretKeyRef().getName()),
                    nullToEmpty(envFrom.apply(c)).stream()
                        .map(e -> e.getSecretRef() == null ? null : e.getSecretRef().getName())))
        .filter(Objects::nonNull);
  }

  private static Stream<String> volumeSecrets(List<Volume> volumes) {
    return nullToEmpty(volumes).stream()
        .flatMap(
            v -> {
              Stream<String> direct =
                  v.getSecret() == null ? Stream.empty() : Stream.of(v.getSecret().getSecretName());
              Stream<String> projected =
                  v.getProjected() == null
                      ? Stream.empty()
                      : nullToEmpty(v.getProjected().getSources()).stream()
                          .map(s -> s.getSecret() == null ? null : s.getSecret().getName());
              return Stream.concat(direct, projected);
            })
        .filter(Objects::nonNull);
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  /** The workload a Pod belongs to: its controller's controller, as far as that is cheap. */
  private Workload owner(KubernetesClient client, String namespace, PodUse pod, boolean readsEnv) {
    if (pod.controller() == null) {
      return new Workload("v1", "Pod", pod.name(), pod.uid(), readsEnv);
    }
    OwnerReference ref = pod.controller();
    Optional<OwnerReference> above = Optional.empty();
    if (isKind(ref, "apps/", "ReplicaSet")) {
      above = ownerOf(client, namespace, ref, "Deployment");
    } else if (isKind(ref, "batch/", "Job")) {
      above = ownerOf(client, namespace, ref, "CronJob");
    }
    OwnerReference top = above.orElse(ref);
    return new Workload(top.getApiVersion(), top.getKind(), top.getName(), top.getUid(), readsEnv);
  }

  /** The controller of a ReplicaSet or Job when it is of {@code kind}; cached by uid. */
  private Optional<OwnerReference> ownerOf(
      KubernetesClient client, String namespace, OwnerReference ref, String kind) {
    Optional<OwnerReference> cached = owners.get(ref.getUid());
    if (cached != null) {
      return cached;
    }
    HasMetadata object;
    try {
      object =
          ref.getKind().equals("ReplicaSet")
              ? client.apps().replicaSets().inNamespace(namespace).withName(ref.getName()).get()
              : client.batch().v1().jobs().inNamespace(namespace).withName(ref.getName()).get();
    } catch (KubernetesClientException e) {
      warnOnce(
          namespace + "/" + ref.getKind() + "/" + e.getCode(),
          "{} {} {} {}",
          kv("event", "consumer_owner_unknown"),
          kv("namespace", namespace),
          kv("error", Failures.describe(e)),
          kv(
              "action",
              "reporting the " + ref.getKind() + " itself; grant get on it to see its owner"));
      return Optional.empty();
    }
    if (object == null) {
      return Optional.empty();
    }
    Optional<OwnerReference> found =
        controllerOf(object.getMetadata().getOwnerReferences())
            .filter(o -> kind.equals(o.getKind()));
    owners.put(ref.getUid(), found);
    return found;
  }

  private static Optional<OwnerReference> controllerOf(List<OwnerReference> references) {
    return nullToEmpty(references).stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .filter(r -> r.getKind() != null && r.getName() != null)
        .findFirst();
  }

  private static boolean isKind(OwnerReference ref, String apiGroupPrefix, String kind) {
    return kind.equals(ref.getKind())
        && ref.getApiVersion() != null
        && ref.getApiVersion().startsWith(apiGroupPrefix)
        && ref.getUid() != null;
  }

  private void warnOnce(String key, String format, Object... arguments) {
    if (warned.add(key)) {
      LOG.warn(format, arguments);
    }
  }
}
