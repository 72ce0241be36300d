package dev.apitoken.operator.model;

import static org.awaitility.Awaitility.await;

import dev.apitoken.format.TokenClaims;
import dev.apitoken.format.TrustFiles;
import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.format.status.StatusListShards;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.api.IssuedToken;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.reconcile.TokenSecretDependent;
import dev.apitoken.operator.revocation.IssueRecord;
import dev.apitoken.operator.revocation.RevokedRecords;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.StoredState;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.ConditionAssert;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.operator.token.TokenReader;
import dev.apitoken.verifier.Rejection;
import dev.apitoken.verifier.TokenVerifier;
import dev.apitoken.verifier.Verdict;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One whole-operator model sequence: the real operator ({@link RunningOperator}, wired as {@code
 * Main} wires it) on its own Fabric8 mock server in CRUD mode, driven by a user and an adversarial
 * admin through the test's own client, while that client watches every version of every trust copy
 * and every token Secret from the start.
 *
 * <p>The operator talks to the server through a second client whose ConfigMap writes a {@link
 * ConfigMapFaults} window can fail; the test's client is never faulted, so what it reads is the
 * truth. Damage never destroys every replica of one fact between two points at which the test saw
 * the stored state repaired (see {@link #mayDamage}): no design can recover a fact every source
 * lost.
 */
final class OperatorModelRun implements AutoCloseable {
  static final String OPERATOR_NAMESPACE = RunningOperator.OPERATOR_NAMESPACE;
  private static final String OPERATOR_AGENT = "apitoken-operator-under-model-test";
  private static final String SELECTOR_LABEL = "apitoken.dev/trust";
  private static final Pattern STATUS_FILE = Pattern.compile("status-list(-\\d+)?\\.json");

  /** How long a step waits for the operator to act on it; not reaching it is not a failure. */
  private static final Duration STEP_WAIT = Duration.ofSeconds(3);

  /** How long a start waits to see damage repaired before carrying on. */
  private static final Duration REPAIR_WAIT = Duration.ofMillis(750);

  /** I5's bound: everything settles within this after the faults stop. */
  static final Duration SETTLE = Duration.ofSeconds(30);

  /** A broken invariant, or a sequence that did not settle. */
  static final class Violation extends AssertionError {
    Violation(String message) {
      super(message);
    }
  }

  /** A token the test saw in a Secret. */
  record SeenToken(
      String value, String jti, long index, Instant expiresAt, String ownerUid, String secret) {}

  /** One ApiToken the test created: its name in a slot, and what became of it. */
  static final class Incarnation {
    final String namespace;
    final String name;
    final String uid;
    boolean deleted;
    boolean revoked;

    Incarnation(String namespace, String name, String uid) {
      this.namespace = namespace;
      this.name = name;
      this.uid = uid;
    }
  }

  private final KubernetesMockServer server;
  private final ConfigMapFaults faults;
  private final NamespacedKubernetesClient client;
  private final KubernetesClient operatorClient;
  private final MutableClock clock = new MutableClock(RunningOperator.START);
  private final RunningOperator operator;
  private final ScheduledExecutorService healer = Executors.newSingleThreadScheduledExecutor();
  private boolean running;
  private final List<String> trace = new CopyOnWriteArrayList<>();
  private final long startedNanos = System.nanoTime();

  /** Every version of every operator-managed ConfigMap seen, per namespace/name, in order. */
  private final Map<String, List<ConfigMap>> history = new ConcurrentHashMap<>();

  /** Every version of every trust copy, in the order the watch delivered them. */
  private final List<ConfigMap> copyVersions = new CopyOnWriteArrayList<>();

  /** namespace/name@resourceVersion of copies the test itself wrote (rollbacks). */
  private final Set<String> adminVersions = ConcurrentHashMap.newKeySet();

  private final Map<String, SeenToken> tokens = new ConcurrentHashMap<>();
  private final Map<Integer, Incarnation> slots = new HashMap<>();
  private final List<Incarnation> incarnations = new ArrayList<>();
  private final Set<String> damaged = new TreeSet<>();
  private final Set<String> damagedCopies = new TreeSet<>();

  /** Uids of ApiTokens whose finalizer the test stripped. */
  private final Set<String> stripped = new HashSet<>();

  private final List<Watch> watches = new ArrayList<>();
  private int generation;

  OperatorModelRun() {
    Map<
            io.fabric8.mockwebserver.ServerRequest,
            java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>
        responses = new HashMap<>();
    faults = new ConfigMapFaults(new KubernetesMixedDispatcher(responses), OPERATOR_AGENT);
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()), new MockWebServer(), responses, faults, false);
    server.init();
    client = server.createClient();
    Config operatorConfig =
        new ConfigBuilder(client.getConfiguration()).withUserAgent(OPERATOR_AGENT).build();
    operatorClient = new KubernetesClientBuilder().withConfig(operatorConfig).build();
    operator =
        new RunningOperator(
                operatorClient, clock, "--target-namespace-selector=" + SELECTOR_LABEL + "=enabled")
            .withMaintenancePeriod(Duration.ofSeconds(1));
  }

  void run(List<OperatorStep> steps) {
    createNamespace(OPERATOR_NAMESPACE, false);
    createNamespace(OperatorStep.TEAMS[0], true);
    createNamespace(OperatorStep.TEAMS[1], true);
    createNamespace(OperatorStep.TEAMS[2], false);
    watch();
    start();
    for (OperatorStep step : steps) {
      note(step.toString());
      apply(step);
    }
    Violation unsettled = null;
    try {
      settle();
    } catch (Violation v) {
      unsettled = v;
    }
    // I1 first: a copy that ever took a bit back explains most failures to settle.
    checkNoBitEverCleared();
    if (unsettled != null) {
      throw unsettled;
    }
    checkNoIndexTwice();
  }

  /** A line of the trace, stamped with the milliseconds since the sequence started. */
  private void note(String line) {
    trace.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos) + "ms " + line);
  }

  List<String> trace() {
    return List.copyOf(trace);
  }

  String summary() {
    return "tokens="
        + tokens.size()
        + " apiTokens="
        + incarnations.size()
        + " copyVersions="
        + copyVersions.size()
        + " refusedWrites="
        + faults.refused();
  }

  // ---- observation ----

  private void watch() {
    watches.add(
        client
            .configMaps()
            .inAnyNamespace()
            .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap map) {
                    if (action == Action.DELETED) {
                      return;
                    }
                    history.computeIfAbsent(key(map), k -> new CopyOnWriteArrayList<>()).add(map);
                    if ("trust".equals(componentOf(map))) {
                      copyVersions.add(map);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));
    watches.add(
        client
            .secrets()
            .inAnyNamespace()
            .withLabelSelector(TokenSecretDependent.SELECTOR)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    if (action != Action.DELETED) {
                      see(secret);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));
  }

  private void see(Secret secret) {
    Optional<String> value = TokenSecretDependent.tokenValue(secret);
    if (value.isEmpty()) {
      return;
    }
    Optional<TokenClaims> claims = TokenReader.parseUnverified(value.get());
    if (claims.isEmpty()) {
      return;
    }
    String owner =
        secret.getMetadata().getOwnerReferences().stream()
            .filter(r -> "ApiToken".equals(r.getKind()))
            .map(OwnerReference::getUid)
            .findFirst()
            .orElse(null);
    TokenClaims c = claims.get();
    tokens.putIfAbsent(
        c.jti(),
        new SeenToken(value.get(), c.jti(), c.statusIndex(), c.expiresAt(), owner, key(secret)));
  }

  private static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  private static String componentOf(ConfigMap map) {
    Map<String, String> labels = map.getMetadata().getLabels();
    return labels == null ? "" : labels.getOrDefault(Labels.COMPONENT, "");
  }

  // ---- steps ----

  private void apply(OperatorStep step) {
    Incarnation t = existing(step.a());
    switch (step.kind()) {
      case CREATE -> create(step.a());
      case CHANGE_SUBJECT -> {
        if (live(t)) {
          String before = jtiOf(t);
          edit(t, a -> a.getSpec().setSubject("svc-" + (++generation)));
          waitForOperator("reissued", () -> !Objects.equals(before, jtiOf(t)) && ready(t));
        }
      }
      case REVOKE -> {
        if (live(t)) {
          t.revoked |= edit(t, a -> a.getSpec().setRevoked(true));
          waitForOperator(
              "revoked",
              () ->
                  ConditionAssert.hasCondition(
                      get(t), Conditions.REVOCATION_PUBLISHED, Conditions.TRUE));
        }
      }
      case DELETE -> {
        if (live(t)) {
          delete(t);
          waitForOperator("deleted", () -> get(t) == null);
        }
      }
      case STOP -> stop();
      case START -> start();
      case RESTART -> {
        stop();
        start();
      }
      case RESTART_AFTER_LOSS -> {
        stop();
        damageDelete(OperatorStep.Target.values()[step.a()], 0);
        damageDelete(OperatorStep.Target.values()[step.b()], 1);
        start();
      }
      case STRIP_FINALIZER -> {
        // The usual fix for a deletion stuck while the operator is down: stop it first if needed.
        stop();
        if (live(t) && mayDamage(Set.of("strip"), List.of())) {
          stripFinalizer(t);
        }
      }
      case DAMAGE_DELETE -> damageDelete(OperatorStep.Target.values()[step.a()], step.b());
      case DAMAGE_ROLLBACK -> rollback(OperatorStep.Target.values()[step.a()], step.b());
      case SELECTOR_JOIN -> label(OperatorStep.TEAMS[step.a()], true);
      case SELECTOR_LEAVE -> label(OperatorStep.TEAMS[step.a()], false);
      case API_FAULT -> {
        int code = step.a() == 0 ? 500 : 422;
        faults.open(code);
        healer.schedule(faults::heal, step.b(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * The ApiToken a step on an existing one acts on: slot {@code a} when it holds one, else the
   * {@code a}-th of those that exist, so that few steps of a sequence are no-ops.
   */
  private Incarnation existing(int a) {
    Incarnation inSlot = slots.get(a);
    if (inSlot != null && !inSlot.deleted) {
      return inSlot;
    }
    List<Incarnation> existing = incarnations.stream().filter(i -> !i.deleted).toList();
    return existing.isEmpty() ? null : existing.get(a % existing.size());
  }

  private boolean live(Incarnation t) {
    return t != null && !t.deleted && get(t) != null;
  }

  private void create(int slot) {
    Incarnation previous = slots.get(slot);
    if (previous != null && !previous.deleted) {
      return;
    }
    String namespace = OperatorStep.TEAMS[slot % 2];
    String name = "t" + slot;
    if (client.resources(ApiToken.class).inNamespace(namespace).withName(name).get() != null) {
      return; // the previous one is still being deleted
    }
    ApiToken created =
        client
            .resource(ApiTokens.named(name).in(namespace).subject("svc-" + (++generation)).build())
            .create();
    Incarnation t = new Incarnation(namespace, name, created.getMetadata().getUid());
    slots.put(slot, t);
    incarnations.add(t);
    note("created " + namespace + "/" + name + " uid=" + t.uid);
    waitForOperator("ready", () -> ready(t));
  }

  private ApiToken get(Incarnation t) {
    ApiToken current =
        client.resources(ApiToken.class).inNamespace(t.namespace).withName(t.name).get();
    return current != null && t.uid.equals(current.getMetadata().getUid()) ? current : null;
  }

  private boolean ready(Incarnation t) {
    return ConditionAssert.hasCondition(get(t), Conditions.READY, Conditions.TRUE);
  }

  private String jtiOf(Incarnation t) {
    ApiToken current = get(t);
    return current == null || current.getStatus() == null ? null : current.getStatus().getJti();
  }

  /** Edits as kubectl would, trying again on a conflict; true once the edit is stored. */
  private boolean edit(Incarnation t, java.util.function.Consumer<ApiToken> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client
            .resources(ApiToken.class)
            .inNamespace(t.namespace)
            .withName(t.name)
            .edit(
                a -> {
                  change.accept(a);
                  return a;
                });
        return true;
      } catch (KubernetesClientException failed) {
        if (failed.getCode() != 409 || attempt == 10) {
          note("edit of " + t.name + " failed: " + failed.getCode());
          return false;
        }
      }
    }
  }

  private void delete(Incarnation t) {
    client.resources(ApiToken.class).inNamespace(t.namespace).withName(t.name).delete();
    t.deleted = true;
  }

  /** kubectl patch ... finalizers: null and delete, while no operator runs. */
  private void stripFinalizer(Incarnation t) {
    if (!edit(t, a -> a.getMetadata().setFinalizers(new ArrayList<>()))) {
      return;
    }
    delete(t);
    await().atMost(Duration.ofSeconds(5)).until(() -> get(t) == null);
    // The garbage collector of a real cluster deletes the Secret with its owner; the mock has none.
    client.secrets().inNamespace(t.namespace).list().getItems().stream()
        .filter(
            s ->
                s.getMetadata().getOwnerReferences().stream()
                    .anyMatch(r -> t.uid.equals(r.getUid())))
        .forEach(s -> client.resource(s).delete());
    stripped.add(t.uid);
    note("stripped " + t.name + " uid=" + t.uid);
  }

  private void stop() {
    if (running) {
      operator.close();
      running = false;
      note("stopped");
    }
  }

  private void start() {
    if (running) {
      return;
    }
    try {
      operator.start();
      running = true;
      note("started");
    } catch (RuntimeException failedStart) {
      // A process whose start fails exits; the next start is a new process.
      note("start failed: " + failedStart);
      operator.close();
      return;
    }
    if (!faults.isOpen()) {
      // Briefly: some damage is never repaired by design (issue records of deleted ApiTokens are
      // not rewritten) and then keeps counting.
      waitForOperator("repairs", REPAIR_WAIT, this::forgetRepairedDamage);
    }
  }

  /** Waits a little for the operator to act, unless it cannot (stopped, or the API faulted). */
  private void waitForOperator(String what, BooleanSupplier done) {
    waitForOperator(what, STEP_WAIT, done);
  }

  private void waitForOperator(String what, Duration atMost, BooleanSupplier done) {
    if (!running || faults.isOpen()) {
      return;
    }
    try {
      await()
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(25))
          .ignoreExceptions()
          .until(done::getAsBoolean);
    } catch (ConditionTimeoutException notYet) {
      note("(operator had not caught up: " + what + ")");
    }
  }

  private void label(String namespace, boolean selected) {
    client
        .namespaces()
        .withName(namespace)
        .edit(
            ns -> {
              Map<String, String> labels = new TreeMap<>(orEmpty(ns.getMetadata().getLabels()));
              if (selected) {
                labels.put(SELECTOR_LABEL, "enabled");
              } else {
                labels.remove(SELECTOR_LABEL);
              }
              ns.getMetadata().setLabels(labels);
              return ns;
            });
  }

  private void createNamespace(String name, boolean selected) {
    client
        .namespaces()
        .resource(
            new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(selected ? Map.of(SELECTOR_LABEL, "enabled") : Map.of())
                .endMetadata()
                .build())
        .create();
  }

  // ---- admin damage ----

  private static Set<String> kindsOf(OperatorStep.Target target) {
    return switch (target) {
      // The ledger's content is in the revocation store now: damage to either is damage to it.
      case LEDGER, RECORDS -> Set.of("records");
      case STATE -> Set.of("state");
      case ONE_COPY, ALL_COPIES -> Set.of();
      case OPERATOR_NAMESPACE -> Set.of("records", "state");
    };
  }

  private List<ConfigMap> objects(OperatorStep.Target target) {
    if (target == OperatorStep.Target.OPERATOR_NAMESPACE) {
      return client
          .configMaps()
          .inNamespace(OPERATOR_NAMESPACE)
          .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
          .list()
          .getItems()
          .stream()
          .sorted(Comparator.comparing(OperatorModelRun::key))
          .toList();
    }
    String component =
        switch (target) {
          // The ledger's content is in the revocation store now.
          case LEDGER, RECORDS -> "issue-records";
          case STATE -> "state";
          default -> "trust";
        };
    return client
        .configMaps()
        .inAnyNamespace()
        .withLabels(Labels.managed(component))
        .list()
        .getItems()
        .stream()
        .sorted(Comparator.comparing(OperatorModelRun::key))
        .toList();
  }

  private static List<String> copyKeys(List<ConfigMap> maps) {
    return maps.stream()
        .filter(m -> "trust".equals(componentOf(m)))
        .map(OperatorModelRun::key)
        .toList();
  }

  /**
   * While stopped every object of a kind; while running one object (every copy for ALL_COPIES; the
   * operator's namespace is lost only while stopped).
   */
  private void damageDelete(OperatorStep.Target target, int pick) {
    List<ConfigMap> candidates = objects(target);
    if (candidates.isEmpty()
        || (running
            && (target == OperatorStep.Target.STATE
                || target == OperatorStep.Target.OPERATOR_NAMESPACE))) {
      return;
    }
    List<ConfigMap> victims =
        target == OperatorStep.Target.ONE_COPY
                || (running && target != OperatorStep.Target.ALL_COPIES)
            ? List.of(candidates.get(pick % candidates.size()))
            : candidates;
    if (!mayDamage(kindsOf(target), copyKeys(victims))) {
      return;
    }
    for (ConfigMap victim : victims) {
      client
          .configMaps()
          .inNamespace(victim.getMetadata().getNamespace())
          .withName(victim.getMetadata().getName())
          .delete();
      note("deleted " + key(victim));
    }
  }

  /** An older captured version put back over the current one (a restore from backup). */
  private void rollback(OperatorStep.Target target, int pick) {
    String component = objects(target).isEmpty() ? null : componentOf(objects(target).get(0));
    List<String> candidates =
        history.entrySet().stream()
            .filter(e -> e.getValue().size() >= 2)
            .filter(e -> component != null && component.equals(componentOf(e.getValue().get(0))))
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    if (candidates.isEmpty()) {
      return;
    }
    String name = candidates.get(pick % candidates.size());
    boolean isCopy = target == OperatorStep.Target.ONE_COPY;
    if (!mayDamage(kindsOf(target), isCopy ? List.of(name) : List.of())) {
      return;
    }
    List<ConfigMap> versions = history.get(name);
    ConfigMap older = versions.get(pick % (versions.size() - 1));
    String ns = older.getMetadata().getNamespace();
    ConfigMap current =
        client.configMaps().inNamespace(ns).withName(older.getMetadata().getName()).get();
    ConfigMap restored;
    try {
      if (current == null) {
        ConfigMap fresh =
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder(older)
                .editMetadata()
                .withResourceVersion(null)
                .withUid(null)
                .endMetadata()
                .build();
        restored = client.resource(fresh).create();
      } else {
        current.setData(older.getData());
        current.setBinaryData(older.getBinaryData());
        current.getMetadata().setAnnotations(older.getMetadata().getAnnotations());
        restored = client.resource(current).update();
      }
    } catch (KubernetesClientException raced) {
      note("rollback of " + name + " raced: " + raced.getCode());
      return;
    }
    adminVersions.add(key(restored) + "@" + restored.getMetadata().getResourceVersion());
    note(
        "rolled back "
            + name
            + " to version "
            + older.getMetadata().getResourceVersion()
            + " (now "
            + restored.getMetadata().getResourceVersion()
            + ")");
  }

  /**
   * Damage is allowed unless, counted since the last point at which the test saw every stored
   * source repaired, it would destroy every replica of one fact: a revoked bit lives in the
   * revocation store and in every copy; which tokens an ApiToken holds lives in the store and on
   * the ApiToken (status, Secret, finalizer); the index floor in the counter, the store and the
   * copies' reservation mark. No design can recover a fact all its replicas lost.
   */
  private boolean mayDamage(Set<String> kinds, List<String> copies) {
    if (!faults.isOpen() && running) {
      forgetRepairedDamage();
    }
    Set<String> after = new TreeSet<>(damaged);
    after.addAll(kinds);
    Set<String> copiesAfter = new TreeSet<>(damagedCopies);
    copiesAfter.addAll(copies);
    boolean everyCopy = copiesAfter.containsAll(copyKeys(objects(OperatorStep.Target.ALL_COPIES)));
    boolean allowed =
        !(after.contains("records") && after.contains("strip"))
            && !(after.contains("records") && everyCopy);
    if (allowed) {
      damaged.addAll(kinds);
      damagedCopies.addAll(copies);
    }
    return allowed;
  }

  /**
   * The kinds of damage the stored state no longer shows: "records" when every token of a live
   * ApiToken has its record in the revocation store and every revoked token the test saw is marked
   * revoked on it; "copies" when every target namespace has a copy showing every such bit; "state"
   * when the index counter exists; "strip" when every token of a stripped ApiToken is revoked in
   * the store.
   */
  private Set<String> repairedKinds() {
    Set<String> repaired = new TreeSet<>();
    try {
      Set<Long> revoked = bitsEverSet().keySet();
      RevokedRecords stored =
          StoredState.revoked(
              client, OPERATOR_NAMESPACE, operator.config().issueRecordsConfigMapPrefix());
      Map<Long, IssueRecord> records = new HashMap<>();
      StoredState.records(
              client, OPERATOR_NAMESPACE, operator.config().issueRecordsConfigMapPrefix())
          .forEach(r -> records.put(r.index(), r));
      Set<String> liveUids = new HashSet<>();
      for (Incarnation t : incarnations) {
        if (!t.deleted) {
          liveUids.add(t.uid);
        }
      }
      if (tokens.values().stream()
          .allMatch(
              t ->
                  (!liveUids.contains(t.ownerUid()) || records.get(t.index()) != null)
                      && (!revoked.contains(t.index())
                          || (records.get(t.index()) != null
                              && records.get(t.index()).revoked())))) {
        repaired.add("records");
      }
      if (tokens.values().stream()
          .allMatch(t -> !stripped.contains(t.ownerUid()) || stored.isRevoked(t.index()))) {
        repaired.add("strip");
      }
      if (client
              .configMaps()
              .inNamespace(OPERATOR_NAMESPACE)
              .withName(operator.config().stateConfigMapName())
              .get()
          != null) {
        repaired.add("state");
      }
      Map<String, ConfigMap> copies = copiesNow();
      boolean copiesRepaired = true;
      for (String ns : targetNamespaces(copies)) {
        ConfigMap copy = copies.get(ns);
        BitsOfCopy bits = copy == null ? null : bitsOf(copy.getData());
        copiesRepaired &= bits != null && revoked.stream().allMatch(bits::isSet);
      }
      if (copiesRepaired) {
        repaired.add("copies");
      }
    } catch (RuntimeException unreadable) {
      // whatever could not be read is not repaired
    }
    return repaired;
  }

  /** Forgets the damage the stored state shows repaired; true when none is left. */
  private boolean forgetRepairedDamage() {
    if (damaged.isEmpty() && damagedCopies.isEmpty()) {
      return true;
    }
    Set<String> repaired = repairedKinds();
    Set<String> before = new TreeSet<>(damaged);
    damaged.removeAll(repaired);
    if (repaired.contains("copies")) {
      damagedCopies.clear();
    }
    if (!before.equals(damaged)) {
      note("(repairs stored: " + before + " -> " + damaged + ")");
    }
    return damaged.isEmpty() && damagedCopies.isEmpty();
  }

  // ---- settling and invariants ----

  /** Faults stop, the operator runs; within {@link #SETTLE} everything must be done (I5, I2). */
  private void settle() {
    faults.heal();
    start();
    String[] last = {""};
    try {
      await()
          .atMost(SETTLE)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!running) {
                  start();
                }
                last[0] = unsettled();
                return last[0].isEmpty();
              });
    } catch (ConditionTimeoutException e) {
      throw new Violation(
          "not settled " + SETTLE.toSeconds() + " s after faults stopped: " + last[0]);
    }
  }

  /** What is not yet as it must end (I5 first, then I2); empty when settled. */
  private String unsettled() {
    // Secrets the watch has not delivered yet count as seen too.
    client
        .secrets()
        .inAnyNamespace()
        .withLabelSelector(TokenSecretDependent.SELECTOR)
        .list()
        .getItems()
        .forEach(this::see);
    for (Incarnation t : incarnations) {
      ApiToken current = get(t);
      if (t.deleted) {
        if (current != null) {
          return "I5: "
              + t.namespace
              + "/"
              + t.name
              + " (uid "
              + t.uid
              + ") still being deleted, finalizers "
              + current.getMetadata().getFinalizers();
        }
      } else if (current == null) {
        return "ApiToken " + t.namespace + "/" + t.name + " (uid " + t.uid + ") vanished";
      } else if (t.revoked) {
        if (!ConditionAssert.hasCondition(
            current, Conditions.REVOCATION_PUBLISHED, Conditions.TRUE)) {
          return "I5: "
              + t.namespace
              + "/"
              + t.name
              + " revoked but RevocationPublished is "
              + ConditionAssert.condition(current, Conditions.REVOCATION_PUBLISHED)
                  .map(c -> c.getStatus() + "/" + c.getReason())
                  .orElse("missing");
        }
      } else if (!ConditionAssert.hasCondition(current, Conditions.READY, Conditions.TRUE)) {
        return t.namespace
            + "/"
            + t.name
            + " not Ready: "
            + ConditionAssert.condition(current, Conditions.READY)
                .map(c -> c.getReason() + " " + c.getMessage())
                .orElse("no condition");
      }
    }
    return notRevokedEverywhere();
  }

  private Map<String, ConfigMap> copiesNow() {
    Map<String, ConfigMap> copies = new TreeMap<>();
    String trust = operator.config().trustConfigMapName();
    for (ConfigMap map :
        client
            .configMaps()
            .inAnyNamespace()
            .withLabels(Labels.managed("trust"))
            .list()
            .getItems()) {
      if (map.getMetadata().getName().equals(trust)) {
        copies.put(map.getMetadata().getNamespace(), map);
      }
    }
    return copies;
  }

  /** The operator's namespace, the selected namespaces, and every namespace holding a copy. */
  private Set<String> targetNamespaces(Map<String, ConfigMap> copies) {
    Set<String> targets = new TreeSet<>(copies.keySet());
    targets.add(OPERATOR_NAMESPACE);
    for (Namespace ns :
        client.namespaces().withLabel(SELECTOR_LABEL, "enabled").list().getItems()) {
      targets.add(ns.getMetadata().getName());
    }
    return targets;
  }

  /**
   * I2: every token that reached a Secret is the current or an earlier token of a live, unrevoked
   * ApiToken, or the verifier library, given the files of the copy in every target namespace,
   * rejects it as REVOKED.
   */
  private String notRevokedEverywhere() {
    Map<String, ConfigMap> copies = copiesNow();
    Set<String> targets = targetNamespaces(copies);
    for (String ns : targets) {
      if (!copies.containsKey(ns)) {
        return "no copy in " + ns;
      }
    }
    Map<String, ApiToken> liveByUid = new HashMap<>();
    for (ApiToken a : client.resources(ApiToken.class).inAnyNamespace().list().getItems()) {
      liveByUid.put(a.getMetadata().getUid(), a);
    }
    for (SeenToken t : tokens.values()) {
      ApiToken owner = liveByUid.get(t.ownerUid());
      if (owner != null
          && owner.getMetadata().getDeletionTimestamp() == null
          && !Boolean.TRUE.equals(owner.getSpec().getRevoked())) {
        if (!listedInStatus(owner, t.jti())) {
          return "I2: token jti="
              + t.jti()
              + " index="
              + t.index()
              + " seen in Secret "
              + t.secret()
              + " is not in the status of its live ApiToken "
              + key(owner);
        }
        continue;
      }
      for (String ns : targets) {
        Verdict verdict = verifierFor(copies.get(ns), t.index()).verify(t.value());
        if (verdict.rejection().orElse(null) != Rejection.REVOKED) {
          return "I2: token jti="
              + t.jti()
              + " index="
              + t.index()
              + " (Secret "
              + t.secret()
              + ", owner "
              + (owner == null ? "gone" : key(owner) + " revoked/deleting")
              + ") verifies as "
              + (verdict.isAccepted() ? "ACCEPTED" : verdict.rejection().orElseThrow())
              + " against the copy in "
              + ns
              + " version "
              + copies.get(ns).getMetadata().getResourceVersion();
        }
      }
    }
    return "";
  }

  private static boolean listedInStatus(ApiToken owner, String jti) {
    if (owner.getStatus() == null) {
      return false;
    }
    if (jti.equals(owner.getStatus().getJti())) {
      return true;
    }
    return owner.getStatus().getTokens().stream().map(IssuedToken::getJti).anyMatch(jti::equals);
  }

  private TokenVerifier verifierFor(ConfigMap copy, long index) {
    String file = TrustFiles.statusList(Math.max(0, StatusListShards.shardOf(index)));
    return TokenVerifier.builder()
        .trust(
            copy.getData().get(TrustDocument.JWKS_KEY),
            copy.getData().getOrDefault(file, copy.getData().get(TrustDocument.STATUS_LIST_KEY)))
        .expectedIssuer(operator.config().issuer())
        .clock(clock)
        .watch(false)
        .build();
  }

  /** The revoked bits of every status-list file of one copy version. */
  record BitsOfCopy(Map<Integer, StatusList> shards) {
    boolean isSet(long index) {
      StatusList list = shards.get(StatusListShards.shardOf(index));
      return list != null
          && index >= list.firstIndex()
          && index < list.size()
          && list.get(index) != 0;
    }

    boolean covers(long index) {
      StatusList list = shards.get(StatusListShards.shardOf(index));
      return list != null && index >= list.firstIndex() && index < list.size();
    }

    Set<Long> set() {
      Set<Long> set = new TreeSet<>();
      for (StatusList list : shards.values()) {
        if (list.bits() == 1) {
          BitSet bits = BitSet.valueOf(list.toBytes());
          for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            set.add(list.firstIndex() + i);
          }
        } else {
          for (long i = list.firstIndex(); i < list.size(); i++) {
            if (list.get(i) != 0) {
              set.add(i);
            }
          }
        }
      }
      return set;
    }
  }

  static BitsOfCopy bitsOf(Map<String, String> data) {
    Map<Integer, StatusList> shards = new TreeMap<>();
    if (data != null) {
      for (var file : data.entrySet()) {
        if (!STATUS_FILE.matcher(file.getKey()).matches()) {
          continue;
        }
        int shard =
            file.getKey().equals(TrustFiles.STATUS_LIST)
                ? 0
                : Integer.parseInt(file.getKey().replaceAll("\\D", ""));
        StatusListDocument doc = StatusListDocument.parse(file.getValue());
        shards.put(
            shard,
            shard == 0 ? doc.statusList() : StatusList.decodeShard(doc.bits(), doc.lst(), shard));
      }
    }
    return new BitsOfCopy(shards);
  }

  private List<ConfigMap> operatorCopyVersions() {
    return copyVersions.stream()
        .filter(v -> !adminVersions.contains(key(v) + "@" + v.getMetadata().getResourceVersion()))
        .sorted(Comparator.comparingLong(v -> Long.parseLong(v.getMetadata().getResourceVersion())))
        .toList();
  }

  /** Every index that was 1 in a version of a copy the operator wrote, and where first. */
  private Map<Long, String> bitsEverSet() {
    Map<Long, String> firstSet = new TreeMap<>();
    for (ConfigMap v : operatorCopyVersions()) {
      try {
        for (long index : bitsOf(v.getData()).set()) {
          firstSet.putIfAbsent(index, key(v) + "@" + v.getMetadata().getResourceVersion());
        }
      } catch (RuntimeException unreadable) {
        // reported by checkNoBitEverCleared
      }
    }
    return firstSet;
  }

  /**
   * I1 on every version of every copy the operator wrote: a bit once 1 in any copy is 1 in every
   * later version of every copy while its token can still be accepted (no clock moves here, so no
   * token expires).
   */
  private void checkNoBitEverCleared() {
    Map<Long, String> firstSet = new TreeMap<>();
    for (ConfigMap v : operatorCopyVersions()) {
      String where = key(v) + " resourceVersion " + v.getMetadata().getResourceVersion();
      BitsOfCopy bits;
      try {
        bits = bitsOf(v.getData());
      } catch (RuntimeException unreadable) {
        throw new Violation("I1: " + where + " was written unreadable: " + unreadable);
      }
      for (var e : firstSet.entrySet()) {
        long index = e.getKey();
        // An index beyond what a list covers is rejected by every verifier: only a 0 counts.
        if (bits.covers(index)) {
          if (!bits.isSet(index)) {
            throw new Violation(
                "I1: index "
                    + index
                    + " was 1 in "
                    + e.getValue()
                    + " and is 0 in "
                    + where
                    + " ("
                    + tokenFor(index)
                    + ")");
          }
        }
      }
      for (long index : bits.set()) {
        firstSet.putIfAbsent(index, key(v) + "@" + v.getMetadata().getResourceVersion());
      }
    }
  }

  private String tokenFor(long index) {
    return tokens.values().stream()
        .filter(t -> t.index() == index)
        .map(t -> "token jti=" + t.jti() + " of Secret " + t.secret())
        .findFirst()
        .orElse("no token seen with that index");
  }

  /** I3: no two tokens seen in Secrets share an index. */
  private void checkNoIndexTwice() {
    Map<Long, String> byIndex = new HashMap<>();
    for (SeenToken t : tokens.values()) {
      String other = byIndex.putIfAbsent(t.index(), t.jti());
      if (other != null) {
        throw new Violation(
            "I3: index " + t.index() + " assigned to token jti=" + other + " and jti=" + t.jti());
      }
    }
  }

  private static Map<String, String> orEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }

  @Override
  public void close() {
    healer.shutdownNow();
    watches.forEach(Watch::close);
    operator.close();
    operatorClient.close();
    client.close();
    server.destroy();
  }
}
