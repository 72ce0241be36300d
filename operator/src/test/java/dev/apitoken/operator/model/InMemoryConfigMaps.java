package dev.apitoken.operator.model;

import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.store.ConfigMapApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * An API server for ConfigMaps, in memory: numeric resourceVersions from one counter (as etcd's),
 * 409 on a stale update or a taken name, 404 on an update of a missing object or a write into a
 * missing namespace, watches that deliver events in order on one thread. Operator replicas talk to
 * it through {@link #client(String)} views, which count their writes, can fail calls on demand
 * ({@link Faults}) and can be killed (a killed process makes no call and hears no event again).
 * Admin actions (delete, roll back, edit, delete a namespace) bypass faults. Every version of every
 * trust copy is kept in {@link #trustHistory()} so a test can check each one.
 */
public final class InMemoryConfigMaps {
  /** One version of a published copy, as it was stored. */
  public record CopyVersion(
      long resourceVersion,
      String namespace,
      String name,
      Map<String, String> data,
      Instant at,
      String writer) {}

  /** What a call is about to do; faults decide on it. */
  public record Call(String client, String op, String namespace, String name) {
    boolean isWrite() {
      return op.equals("create") || op.equals("update") || op.equals("delete");
    }
  }

  /** The failure injected into a call, or null for none. */
  public enum Fault {
    /** 500: nothing happened. */
    SERVER_ERROR,
    /** 409 although nothing conflicted. */
    CONFLICT,
    /** 422 "too large": the API server refuses the object. */
    TOO_LARGE,
    /** The client gives up waiting: nothing happened. */
    TIMEOUT_BEFORE,
    /** The client gives up waiting, but the write was applied. */
    TIMEOUT_AFTER
  }

  @FunctionalInterface
  public interface Faults {
    Faults NONE = call -> null;

    Fault decide(Call call);
  }

  private final Clock clock;
  private final Object lock = new Object();
  private final Map<String, ConfigMap> objects = new TreeMap<>();
  private final Map<String, List<ConfigMap>> versions = new HashMap<>();
  private final Set<String> namespaces = new TreeSet<>();
  private final AtomicLong resourceVersion = new AtomicLong(1000);
  private final List<CopyVersion> trustHistory = new CopyOnWriteArrayList<>();
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private final ExecutorService dispatcher;
  private final dev.apitoken.operator.store.Scheduling scheduling;

  /** Every write and deletion applied, in order: what a replay must repeat exactly. */
  private final List<String> writeLog = new CopyOnWriteArrayList<>();

  private final Map<String, Client> clients = new LinkedHashMap<>();
  private volatile Faults faults = Faults.NONE;
  private volatile long timeoutMillis = 2;

  public InMemoryConfigMaps(Clock clock, String... namespaces) {
    this(clock, dev.apitoken.operator.store.Scheduling.THREADS, namespaces);
  }

  /** Watch events delivered by {@code scheduling}'s executor (the model's single thread). */
  public InMemoryConfigMaps(
      Clock clock, dev.apitoken.operator.store.Scheduling scheduling, String... namespaces) {
    this.clock = clock;
    this.scheduling = scheduling;
    this.namespaces.addAll(List.of(namespaces));
    this.dispatcher = scheduling.singleThread("in-memory-watch");
  }

  /**
   * Every write and deletion the store applied, in order (resourceVersion, writer, object, at, and
   * a digest of the data): two runs that made the same calls in the same order have equal logs.
   */
  public List<String> writeLog() {
    return List.copyOf(writeLog);
  }

  /** Faults for every call of every client from now on. */
  public void faults(Faults faults) {
    this.faults = faults;
  }

  public void timeoutMillis(long millis) {
    this.timeoutMillis = millis;
  }

  /** The view one operator process has of the API. */
  public synchronized Client client(String name) {
    return clients.computeIfAbsent(name, Client::new);
  }

  public List<CopyVersion> trustHistory() {
    return List.copyOf(trustHistory);
  }

  // ---- admin actions: never faulted, never counted as an operator's write ----

  public void createNamespace(String namespace) {
    synchronized (lock) {
      namespaces.add(namespace);
    }
  }

  /** The namespace goes, and every ConfigMap in it. */
  public void deleteNamespace(String namespace) {
    synchronized (lock) {
      namespaces.remove(namespace);
      for (String key : List.copyOf(objects.keySet())) {
        if (key.startsWith(namespace + "/")) {
          remove(key, "admin");
        }
      }
    }
  }

  public boolean namespaceExists(String namespace) {
    synchronized (lock) {
      return namespaces.contains(namespace);
    }
  }

  public ConfigMap get(String namespace, String name) {
    synchronized (lock) {
      ConfigMap map = objects.get(namespace + "/" + name);
      return map == null ? null : copy(map);
    }
  }

  /** Every ConfigMap now stored, in every namespace. */
  public List<ConfigMap> all() {
    synchronized (lock) {
      return objects.values().stream().map(InMemoryConfigMaps::copy).toList();
    }
  }

  public boolean adminDelete(String namespace, String name) {
    synchronized (lock) {
      return remove(namespace + "/" + name, "admin") != null;
    }
  }

  /** Stores an older content again (a restore from backup); false when there is no older one. */
  public boolean adminRollback(String namespace, String name, int versionsBack) {
    synchronized (lock) {
      List<ConfigMap> history = versions.get(namespace + "/" + name);
      if (history == null || history.size() < 2) {
        return false;
      }
      ConfigMap older = history.get(Math.max(0, history.size() - 1 - versionsBack));
      store(copy(older), "admin");
      return true;
    }
  }

  /** Every object now stored ("namespace/name" to a copy): a backup to restore later. */
  public Map<String, ConfigMap> snapshot() {
    synchronized (lock) {
      Map<String, ConfigMap> taken = new TreeMap<>();
      objects.forEach((key, map) -> taken.put(key, copy(map)));
      return taken;
    }
  }

  /**
   * A restore from {@code backup} of every object in the namespaces {@code restored} accepts: each
   * gets its content from then again (as new writes: a restore tool creates and replaces), and what
   * the backup lacks is deleted. Namespaces that no longer exist are left alone.
   */
  public void adminRestore(
      Map<String, ConfigMap> backup, java.util.function.Predicate<String> restored) {
    synchronized (lock) {
      Set<String> keys = new TreeSet<>(objects.keySet());
      keys.addAll(backup.keySet());
      for (String key : keys) {
        String ns = key.substring(0, key.indexOf('/'));
        if (!restored.test(ns) || !namespaces.contains(ns)) {
          continue;
        }
        ConfigMap then = backup.get(key);
        if (then == null) {
          remove(key, "admin");
        } else if (!then.equals(objects.get(key))) {
          store(copy(then), "admin");
        }
      }
    }
  }

  /** Replaces the data of an existing object with what {@code edit} makes of it. */
  public boolean adminEdit(String namespace, String name, UnaryOperator<Map<String, String>> edit) {
    synchronized (lock) {
      ConfigMap current = objects.get(namespace + "/" + name);
      if (current == null) {
        return false;
      }
      ConfigMap edited = copy(current);
      Map<String, String> data =
          edit.apply(new TreeMap<>(edited.getData() == null ? Map.of() : edited.getData()));
      edited.setData(data);
      store(edited, "admin");
      return true;
    }
  }

  /**
   * A tenant's write: creates or replaces {@code namespace/name} with these labels, annotations and
   * data, bypassing faults (the tenant's client is not the operator's). False when the namespace
   * does not exist.
   */
  public boolean tenantWrite(
      String namespace,
      String name,
      Map<String, String> labels,
      Map<String, String> annotations,
      Map<String, String> data) {
    synchronized (lock) {
      if (!namespaces.contains(namespace)) {
        return false;
      }
      ConfigMap written =
          new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
              .withNewMetadata()
              .withNamespace(namespace)
              .withName(name)
              .withLabels(labels)
              .withAnnotations(annotations)
              .endMetadata()
              .withData(data)
              .build();
      store(written, "tenant");
      return true;
    }
  }

  /** Waits until every event queued so far has been delivered. */
  public void drainEvents() {
    try {
      scheduling.await(
          java.util.concurrent.CompletableFuture.runAsync(() -> {}, dispatcher),
          java.time.Duration.ofSeconds(10));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public void close() {
    dispatcher.shutdownNow();
  }

  // ---- the store ----

  private ConfigMap store(ConfigMap map, String writer) {
    String key = key(map);
    map.getMetadata().setResourceVersion(Long.toString(resourceVersion.incrementAndGet()));
    ConfigMap stored = copy(map);
    writeLog.add(
        stored.getMetadata().getResourceVersion()
            + " "
            + writer
            + " wrote "
            + key
            + " at "
            + clock.instant()
            + " "
            + new TreeMap<>(stored.getData() == null ? Map.of() : stored.getData())
                .toString()
                .hashCode()
            + " "
            + new TreeMap<>(
                    stored.getMetadata().getAnnotations() == null
                        ? Map.of()
                        : stored.getMetadata().getAnnotations())
                .toString()
                .hashCode());
    objects.put(key, stored);
    versions.computeIfAbsent(key, k -> new ArrayList<>()).add(copy(stored));
    if (isTrust(stored)) {
      trustHistory.add(
          new CopyVersion(
              Long.parseLong(stored.getMetadata().getResourceVersion()),
              stored.getMetadata().getNamespace(),
              stored.getMetadata().getName(),
              stored.getData() == null ? Map.of() : Map.copyOf(stored.getData()),
              clock.instant(),
              writer));
    }
    publish(stored.getMetadata().getNamespace(), stored.getMetadata().getName(), stored);
    return copy(stored);
  }

  private ConfigMap remove(String key, String writer) {
    ConfigMap removed = objects.remove(key);
    if (removed != null) {
      writeLog.add(writer + " deleted " + key + " at " + clock.instant());
      publish(removed.getMetadata().getNamespace(), removed.getMetadata().getName(), null);
      if (isTrust(removed)) {
        resourceVersion.incrementAndGet();
      }
    }
    return removed;
  }

  private void publish(String namespace, String name, ConfigMap after) {
    for (Watch w : watches) {
      ConfigMap subject = after != null ? after : null;
      if (w.matches(namespace, subject == null ? lastLabels(namespace, name) : labels(subject))) {
        ConfigMap delivered = after == null ? null : copy(after);
        dispatcher.execute(() -> w.deliver(namespace, name, delivered));
      }
    }
  }

  private Map<String, String> lastLabels(String namespace, String name) {
    List<ConfigMap> history = versions.get(namespace + "/" + name);
    return history == null || history.isEmpty()
        ? Map.of()
        : labels(history.get(history.size() - 1));
  }

  private static Map<String, String> labels(ConfigMap map) {
    return map.getMetadata().getLabels() == null ? Map.of() : map.getMetadata().getLabels();
  }

  private static boolean isTrust(ConfigMap map) {
    return "trust".equals(labels(map).get(Labels.COMPONENT));
  }

  private static String key(ConfigMap map) {
    return map.getMetadata().getNamespace() + "/" + map.getMetadata().getName();
  }

  static ConfigMap copy(ConfigMap map) {
    ConfigMap c = new ConfigMapBuilder(map).build();
    c.getMetadata()
        .setLabels(
            map.getMetadata().getLabels() == null
                ? null
                : new LinkedHashMap<>(map.getMetadata().getLabels()));
    c.getMetadata()
        .setAnnotations(
            map.getMetadata().getAnnotations() == null
                ? null
                : new LinkedHashMap<>(map.getMetadata().getAnnotations()));
    c.setData(map.getData() == null ? null : new LinkedHashMap<>(map.getData()));
    return c;
  }

  static KubernetesClientException failure(int code, String reason, String message) {
    Status status =
        new StatusBuilder().withCode(code).withReason(reason).withMessage(message).build();
    return new KubernetesClientException(status);
  }

  private final class Watch {
    final String namespace;
    final Map<String, String> labels;
    final ConfigMapApi.Handler handler;
    final Client client;
    volatile boolean open = true;

    Watch(String namespace, Map<String, String> labels, ConfigMapApi.Handler handler, Client c) {
      this.namespace = namespace;
      this.labels = Map.copyOf(labels);
      this.handler = handler;
      this.client = c;
    }

    boolean matches(String ns, Map<String, String> present) {
      return (namespace == null || namespace.equals(ns))
          && labels.entrySet().stream().allMatch(e -> e.getValue().equals(present.get(e.getKey())));
    }

    void deliver(String ns, String name, ConfigMap after) {
      if (open && client.alive) {
        try {
          handler.changed(ns, name, after);
        } catch (RuntimeException e) {
          // an informer's handler failing does not stop the informer
        }
      }
    }
  }

  /** One operator process's connection: counts its writes, can be faulted, can be killed. */
  public final class Client implements ConfigMapApi {
    private final String name;
    private volatile boolean alive = true;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();

    private Client(String name) {
      this.name = name;
    }

    /** Writes (create, update, delete) the API server applied for this client. */
    public long writes() {
      return writes.get();
    }

    public long calls() {
      return calls.get();
    }

    /** The process is gone: no call of it reaches the API server, no event reaches it. */
    public void kill() {
      alive = false;
      watches.removeIf(w -> w.client == this);
    }

    public boolean alive() {
      return alive;
    }

    private Fault before(Call call) {
      if (!alive) {
        throw new IllegalStateException("process stopped");
      }
      calls.incrementAndGet();
      Fault fault = faults.decide(call);
      if (fault == null) {
        return null;
      }
      switch (fault) {
        case SERVER_ERROR -> throw failure(500, "InternalError", "injected");
        case CONFLICT -> throw failure(409, "Conflict", "injected");
        case TOO_LARGE -> {
          if (call.isWrite() && !call.op().equals("delete")) {
            throw failure(422, "Invalid", "ConfigMap \"" + call.name() + "\" is invalid: too long");
          }
          return null;
        }
        case TIMEOUT_BEFORE -> {
          pause();
          throw new KubernetesClientException("timeout (injected)");
        }
        default -> {
          return fault;
        }
      }
    }

    private <T> T after(Fault fault, T result) {
      if (fault == Fault.TIMEOUT_AFTER) {
        pause();
        throw new KubernetesClientException("timeout after the write (injected)");
      }
      return result;
    }

    private void pause() {
      if (timeoutMillis == 0) {
        return; // the model's time is its clock: a timeout costs none of the test's
      }
      try {
        Thread.sleep(timeoutMillis); // the injected timeout itself, not a test wait
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public ConfigMap get(String namespace, String name) {
      Fault fault = before(new Call(this.name, "get", namespace, name));
      return after(fault, InMemoryConfigMaps.this.get(namespace, name));
    }

    @Override
    public List<ConfigMap> list(String namespace, Map<String, String> labels) {
      Fault fault = before(new Call(this.name, "list", namespace, null));
      List<ConfigMap> found;
      synchronized (lock) {
        found =
            objects.values().stream()
                .filter(m -> namespace == null || namespace.equals(m.getMetadata().getNamespace()))
                .filter(
                    m ->
                        labels.entrySet().stream()
                            .allMatch(e -> e.getValue().equals(labels(m).get(e.getKey()))))
                .map(InMemoryConfigMaps::copy)
                .toList();
      }
      return after(fault, found);
    }

    @Override
    public ConfigMap create(ConfigMap configMap) {
      String ns = configMap.getMetadata().getNamespace();
      Fault fault = before(new Call(this.name, "create", ns, configMap.getMetadata().getName()));
      ConfigMap stored;
      synchronized (lock) {
        checkAlive();
        if (!namespaces.contains(ns)) {
          throw failure(404, "NotFound", "namespaces \"" + ns + "\" not found");
        }
        if (objects.containsKey(key(configMap))) {
          throw failure(409, "AlreadyExists", "already exists");
        }
        stored = store(copy(configMap), this.name);
        writes.incrementAndGet();
      }
      return after(fault, stored);
    }

    @Override
    public ConfigMap update(ConfigMap configMap) {
      String ns = configMap.getMetadata().getNamespace();
      Fault fault = before(new Call(this.name, "update", ns, configMap.getMetadata().getName()));
      ConfigMap stored;
      synchronized (lock) {
        checkAlive();
        ConfigMap current = objects.get(key(configMap));
        if (current == null) {
          throw failure(404, "NotFound", "not found");
        }
        String expected = configMap.getMetadata().getResourceVersion();
        if (expected != null && !expected.equals(current.getMetadata().getResourceVersion())) {
          throw failure(409, "Conflict", "the object has been modified");
        }
        stored = store(copy(configMap), this.name);
        writes.incrementAndGet();
      }
      return after(fault, stored);
    }

    @Override
    public void delete(String namespace, String name) {
      Fault fault = before(new Call(this.name, "delete", namespace, name));
      synchronized (lock) {
        checkAlive();
        if (remove(namespace + "/" + name, this.name) != null) {
          writes.incrementAndGet();
        }
      }
      after(fault, null);
    }

    /** Killed while waiting for the lock: the request never left the process. */
    private void checkAlive() {
      if (!alive) {
        throw new IllegalStateException("process stopped");
      }
    }

    @Override
    public AutoCloseable watch(String namespace, Map<String, String> labels, Handler handler) {
      if (!alive) {
        throw new IllegalStateException("process stopped");
      }
      Watch w = new Watch(namespace, labels, handler, this);
      synchronized (lock) {
        for (ConfigMap m : objects.values()) {
          if (w.matches(m.getMetadata().getNamespace(), labels(m))) {
            ConfigMap delivered = copy(m);
            dispatcher.execute(
                () ->
                    w.deliver(
                        delivered.getMetadata().getNamespace(),
                        delivered.getMetadata().getName(),
                        delivered));
          }
        }
        watches.add(w);
      }
      return () -> {
        w.open = false;
        watches.remove(w);
      };
    }
  }
}
