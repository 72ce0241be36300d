package dev.apitoken.operator.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.kubernetes.KubernetesWrites;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.IssueRecordShard;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revocation store's shards ({@link IssueRecordShard}), one ConfigMap per shard ({@code
 * <prefix>-<number>}) in the operator's namespace. The wanted state of every shard is held in
 * memory and written by one single-threaded executor (from {@link Scheduling}); a caller's future
 * completes once a write containing its change has been stored. Writes are made against the
 * resourceVersion last seen and merge with whatever is stored, so nothing is ever overwritten. Each
 * shard is written on its own: a shard the API server refuses (too large, over quota) is retried
 * with backoff and reported, and never holds up the others. A shard that someone deletes or edits
 * is merged back from memory. Concurrent changes of one shard go out in one write.
 */
public final class ShardedStore implements AutoCloseable {
  /** What happened to a shard, for logs, metrics and conditions. */
  public interface Listener {
    /**
     * The API server refused the write for good (size, quota, validation): retried with backoff.
     */
    void refused(String configMap, int code, String reason);

    /** Stored content lacked what memory holds (deleted, edited, corrupt): being restored. */
    void restoring(String configMap, String why);

    /** Stored content had more than memory held: merged in. */
    void merged(String configMap);

    /** The shard was written with {@code bytes} bytes of data, or deleted ({@code 0}). */
    default void stored(String configMap, long bytes) {}

    Listener NONE =
        new Listener() {
          @Override
          public void refused(String configMap, int code, String reason) {}

          @Override
          public void restoring(String configMap, String why) {}

          @Override
          public void merged(String configMap) {}
        };
  }

  /** Why the last write of a shard failed; {@code refused} when the API server will not take it. */
  public record Failure(String configMap, int code, String reason, boolean refused) {
    public String describe() {
      return "the Kubernetes API answered "
          + code
          + (reason == null || reason.isBlank() ? "" : " " + reason)
          + " for ConfigMap "
          + configMap;
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ShardedStore.class);
  private static final long MAX_BACKOFF_MILLIS = 5_000;
  private static final int MAX_STALE_RETRIES = 20;

  private final ConfigMapApi api;
  private final String namespace;
  private final String prefix;
  private final String component;
  private final String description;
  private final Fence fence;
  private final Listener listener;
  private final LongConsumer storedChanged;
  private final Object lock = new Object();
  private final TreeMap<Long, Slot> slots = new TreeMap<>();
  private final Scheduling scheduling;
  private final ScheduledExecutorService writer;

  /** A pass over the due shards is queued and has not begun: a wake-up meanwhile is carried. */
  private final AtomicBoolean passQueued = new AtomicBoolean();

  /** The wake-up for the earliest backoff (guarded by lock). */
  private ScheduledFuture<?> retry;

  private volatile boolean running;
  private AutoCloseable watch;

  private final class Slot {
    IssueRecordShard wanted = IssueRecordShard.EMPTY;
    IssueRecordShard stored = IssueRecordShard.EMPTY;
    // What this store is writing right now: the watch may deliver that write before the PUT
    // answers.
    IssueRecordShard writing;
    String resourceVersion;
    // The newest resourceVersion seen, kept after a deletion: a late event of an older version must
    // not bring deleted content back.
    String newestVersion;
    boolean dirty;
    long version;
    final List<Waiter> waiters = new ArrayList<>();
    Failure failure;
    int failures;
    long nextAttemptMillis = Long.MIN_VALUE;
  }

  private record Waiter(long version, CompletableFuture<Void> written) {}

  /**
   * The writer's executor, time and jitter come from {@code scheduling}: {@link Scheduling#THREADS}
   * in the operator, the model test's single-threaded scheduler there.
   */
  public ShardedStore(
      ConfigMapApi api,
      String namespace,
      String prefix,
      String component,
      String description,
      Fence fence,
      Listener listener,
      LongConsumer storedChanged,
      Scheduling scheduling) {
    this.api = api;
    this.namespace = namespace;
    this.prefix = prefix;
    this.component = component;
    this.description = description;
    this.fence = fence;
    this.listener = listener;
    this.storedChanged = storedChanged;
    this.scheduling = scheduling;
    this.writer = scheduling.singleThread(prefix + "-writer");
  }

  public String name(long shard) {
    return prefix + "-" + shard;
  }

  /** Reads every stored shard, then starts writing and watching. Returns what was stored. */
  public Map<Long, IssueRecordShard> start() {
    Map<Long, IssueRecordShard> loaded = new TreeMap<>();
    for (ConfigMap map : api.list(namespace, Labels.managed(component))) {
      Long shard = shardOf(map.getMetadata().getName());
      if (shard == null) {
        continue;
      }
      IssueRecordShard content = decodeOrEmpty(map);
      loaded.put(shard, content);
      synchronized (lock) {
        Slot slot = slot(shard);
        slot.stored = content;
        slot.wanted = slot.wanted.union(content);
        slot.resourceVersion = slot.newestVersion = map.getMetadata().getResourceVersion();
      }
    }
    running = true;
    wake();
    watch =
        api.watch(namespace, Labels.managed(component), (ns, name, after) -> observe(name, after));
    return loaded;
  }

  /** The content memory holds for a shard (what is or will be stored). */
  public IssueRecordShard wanted(long shard) {
    synchronized (lock) {
      Slot slot = slots.get(shard);
      return slot == null ? IssueRecordShard.EMPTY : slot.wanted;
    }
  }

  public Map<Long, IssueRecordShard> wantedAll() {
    synchronized (lock) {
      Map<Long, IssueRecordShard> all = new TreeMap<>();
      slots.forEach((k, slot) -> all.put(k, slot.wanted));
      return all;
    }
  }

  /** The content a shard holds in the API as far as this store knows (written or read). */
  public IssueRecordShard stored(long shard) {
    synchronized (lock) {
      Slot slot = slots.get(shard);
      return slot == null ? IssueRecordShard.EMPTY : slot.stored;
    }
  }

  /**
   * Changes a shard; the future completes once a write containing the change is stored (at once
   * when the stored shard already has it).
   */
  public CompletableFuture<Void> update(long shard, UnaryOperator<IssueRecordShard> change) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    synchronized (lock) {
      Slot slot = slot(shard);
      IssueRecordShard next = change.apply(slot.wanted);
      if (!Objects.equals(next, slot.wanted)) {
        slot.wanted = next;
        slot.version++;
      }
      if (!slot.dirty && slot.resourceVersion != null && Objects.equals(slot.wanted, slot.stored)) {
        written.complete(null);
      } else if (!slot.dirty && slot.resourceVersion == null && slot.wanted.isEmpty()) {
        written.complete(null);
      } else {
        slot.dirty = true;
        slot.waiters.add(new Waiter(slot.version, written));
        wake();
      }
    }
    return written;
  }

  /** The last failure of a shard still waiting to be written, if any. */
  public Optional<Failure> failure(long shard) {
    synchronized (lock) {
      Slot slot = slots.get(shard);
      return slot == null || !slot.dirty ? Optional.empty() : Optional.ofNullable(slot.failure);
    }
  }

  /** Shards with changes not yet stored. */
  public int pendingShards() {
    synchronized (lock) {
      return (int) slots.values().stream().filter(s -> s.dirty).count();
    }
  }

  /** Re-reads every shard from the API and repairs what differs: the periodic resync. */
  public void resync() {
    List<ConfigMap> stored = api.list(namespace, Labels.managed(component));
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (ConfigMap map : stored) {
      Long shard = shardOf(map.getMetadata().getName());
      if (shard != null) {
        seen.add(shard);
        observe(map.getMetadata().getName(), map);
      }
    }
    List<Long> known;
    synchronized (lock) {
      known = new ArrayList<>(slots.keySet());
    }
    known.stream().filter(k -> !seen.contains(k)).forEach(k -> observe(name(k), null));
  }

  /** A shard as the API now holds it (null: deleted): merge it in, and restore what it lacks. */
  private void observe(String name, ConfigMap after) {
    Long shard = shardOf(name);
    if (shard == null) {
      return;
    }
    boolean changed = false;
    synchronized (lock) {
      Slot slot = slot(shard);
      String version = after == null ? null : after.getMetadata().getResourceVersion();
      if (version != null && version.equals(slot.resourceVersion)) {
        return;
      }
      if (after == null) {
        if (slot.resourceVersion == null) {
          return;
        }
        slot.resourceVersion = null;
        slot.stored = IssueRecordShard.EMPTY;
        if (!slot.wanted.isEmpty()) {
          listener.restoring(name, "deleted");
          LOG.warn(
              "{} {} {}",
              kv("event", "state_shard_deleted"),
              kv("configmap", namespace + "/" + name),
              kv("action", "restoring"));
          markDirty(slot);
        }
        return;
      }
      if (isNotNewerThanKnown(version, slot.newestVersion)) {
        return;
      }
      IssueRecordShard content = decodeOrEmpty(after);
      slot.stored = content;
      slot.resourceVersion = slot.newestVersion = version;
      changed = true;
      if (slot.writing != null && Objects.equals(content, slot.writing)) {
        // Our own write, seen before its answer: not an edit. What was wanted since is written
        // next.
        return;
      }
      IssueRecordShard merged = slot.wanted.union(content);
      if (!Objects.equals(merged, slot.wanted)) {
        listener.merged(name);
        LOG.warn(
            "{} {} {} {}",
            kv("event", "state_source_disagrees"),
            kv("configmap", namespace + "/" + name),
            kv("detail", "stored_has_more"),
            kv("action", "merged"));
        slot.wanted = merged;
        slot.version++;
      }
      if (!Objects.equals(merged, content)) {
        listener.restoring(name, "edited");
        LOG.warn(
            "{} {} {}",
            kv("event", "state_shard_edited"),
            kv("configmap", namespace + "/" + name),
            kv("action", "restoring"));
        markDirty(slot);
      }
    }
    if (changed) {
      storedChanged.accept(shard);
    }
  }

  /**
   * resourceVersions are opaque, but ours are numbers: skip an informer event no newer than what
   * was last written, read or deleted (a late event must not bring deleted content back).
   */
  private static boolean isNotNewerThanKnown(String version, String known) {
    if (known == null) {
      return false;
    }
    try {
      return Long.parseLong(version) <= Long.parseLong(known);
    } catch (NumberFormatException opaque) {
      return false;
    }
  }

  private void markDirty(Slot slot) {
    slot.dirty = true;
    slot.nextAttemptMillis = Long.MIN_VALUE;
    wake();
  }

  private IssueRecordShard decodeOrEmpty(ConfigMap map) {
    try {
      return IssueRecordShard.decode(map.getData() == null ? Map.of() : map.getData());
    } catch (RuntimeException corrupt) {
      LOG.error(
          "{} {} {} {}",
          kv("event", "state_shard_corrupt"),
          kv("configmap", namespace + "/" + map.getMetadata().getName()),
          kv("action", "rewriting_from_memory"),
          kv("error", corrupt.getClass().getSimpleName()));
      listener.restoring(map.getMetadata().getName(), "corrupt");
      return IssueRecordShard.EMPTY;
    }
  }

  private Long shardOf(String name) {
    if (name == null || !name.startsWith(prefix + "-")) {
      return null;
    }
    String number = name.substring(prefix.length() + 1);
    if (number.isEmpty() || number.length() > 12 || !number.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return Long.parseLong(number);
  }

  private Slot slot(long shard) {
    return slots.computeIfAbsent(shard, k -> new Slot());
  }

  /** Asks the writer for a pass over every due shard; wake-ups before it begins coalesce. */
  private void wake() {
    if (running && passQueued.compareAndSet(false, true)) {
      try {
        writer.execute(this::writeDue);
      } catch (RejectedExecutionException closed) {
        passQueued.set(false);
      }
    }
  }

  /** One pass on the writer: every due shard written; then a wake-up for the earliest backoff. */
  private void writeDue() {
    passQueued.set(false);
    while (running) {
      Long due;
      synchronized (lock) {
        due = nextDue();
      }
      if (due == null) {
        break;
      }
      writeShard(due);
    }
    synchronized (lock) {
      long wait = waitMillis();
      if (running
          && wait > 0
          && (retry == null || retry.isDone() || retry.getDelay(TimeUnit.MILLISECONDS) > wait)) {
        if (retry != null) {
          retry.cancel(false);
        }
        try {
          retry = writer.schedule(this::wake, wait, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
          // closed: nothing more to write
        }
      }
    }
  }

  private long nowMillis() {
    return TimeUnit.NANOSECONDS.toMillis(scheduling.nanoTime());
  }

  private Long nextDue() {
    long now = nowMillis();
    for (var e : slots.entrySet()) {
      if (e.getValue().dirty && e.getValue().nextAttemptMillis <= now) {
        return e.getKey();
      }
    }
    return null;
  }

  /** Milliseconds until the earliest dirty shard is due (at least 1); 0 when none is dirty. */
  private long waitMillis() {
    long now = nowMillis();
    long soonest = Long.MAX_VALUE;
    for (Slot slot : slots.values()) {
      if (slot.dirty) {
        soonest =
            Math.min(soonest, slot.nextAttemptMillis <= now ? 1 : slot.nextAttemptMillis - now);
      }
    }
    return soonest == Long.MAX_VALUE ? 0 : Math.max(1, soonest);
  }

  private void writeShard(long shard) {
    String name = name(shard);
    boolean stale = false;
    for (int attempt = 1; running; attempt++) {
      try {
        // Inside the try: a failed re-read is one more failed attempt, never the end of the writer.
        if (stale) {
          reread(shard);
        }
        IssueRecordShard wanted;
        String version;
        long wantedVersion;
        synchronized (lock) {
          Slot slot = slots.get(shard);
          wanted = slot.wanted;
          version = slot.resourceVersion;
          wantedVersion = slot.version;
        }
        if (!fence.mayWrite()) {
          fail(shard, new Failure(name, 0, "not the leader", false));
          return;
        }
        synchronized (lock) {
          slots.get(shard).writing = wanted;
        }
        String written;
        try {
          written = write(name, wanted, version);
        } finally {
          synchronized (lock) {
            slots.get(shard).writing = null;
          }
        }
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (lock) {
          Slot slot = slots.get(shard);
          slot.stored = wanted;
          slot.resourceVersion = written;
          slot.newestVersion = written == null ? slot.newestVersion : written;
          slot.failure = null;
          slot.failures = 0;
          slot.waiters.removeIf(
              w -> {
                if (w.version() <= wantedVersion) {
                  done.add(w.written());
                  return true;
                }
                return false;
              });
          slot.dirty = slot.version != wantedVersion;
        }
        // What is stored changed: whoever publishes only stored state looks again, before any
        // caller learns its change is stored.
        storedChanged.accept(shard);
        done.forEach(f -> f.complete(null));
        return;
      } catch (KubernetesClientException e) {
        if (KubernetesWrites.isStale(e) && attempt < MAX_STALE_RETRIES) {
          stale = true;
          continue;
        }
        fail(shard, failureOf(name, e));
        return;
      } catch (RuntimeException e) {
        fail(shard, new Failure(name, 0, e.getClass().getSimpleName(), false));
        return;
      }
    }
  }

  /** Writes {@code wanted}; returns the new resourceVersion (null when it deleted the shard). */
  private String write(String name, IssueRecordShard wanted, String version) {
    if (wanted.isEmpty()) {
      if (version != null) {
        api.delete(namespace, name);
      }
      listener.stored(name, 0);
      return null;
    }
    Map<String, String> data = wanted.encode();
    ConfigMap desired =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withResourceVersion(version)
            .withLabels(Labels.managed(component))
            .addToAnnotations("apitoken.dev/description", description)
            .endMetadata()
            .withData(data)
            .build();
    ConfigMap written = version == null ? api.create(desired) : api.update(desired);
    listener.stored(name, dataBytes(data));
    return written.getMetadata().getResourceVersion();
  }

  /** What the API server counts against its ConfigMap limit: keys and values, in UTF-8. */
  public static long dataBytes(Map<String, String> data) {
    long bytes = 0;
    for (Map.Entry<String, String> entry : data.entrySet()) {
      bytes += utf8Length(entry.getKey()) + utf8Length(entry.getValue());
    }
    return bytes;
  }

  private static long utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  private void reread(long shard) {
    ConfigMap map = api.get(namespace, name(shard));
    synchronized (lock) {
      Slot slot = slots.get(shard);
      if (map == null) {
        slot.resourceVersion = null;
        slot.stored = IssueRecordShard.EMPTY;
      } else {
        IssueRecordShard content = decodeOrEmpty(map);
        slot.stored = content;
        slot.resourceVersion = slot.newestVersion = map.getMetadata().getResourceVersion();
        IssueRecordShard merged = slot.wanted.union(content);
        if (!Objects.equals(merged, slot.wanted)) {
          slot.wanted = merged;
          slot.version++;
        }
      }
    }
  }

  private static Failure failureOf(String name, KubernetesClientException e) {
    int code = e.getCode();
    String reason = e.getStatus() == null ? null : e.getStatus().getReason();
    boolean refused =
        code == 413 || code == 422 || (code == 403 && reason != null && reason.contains("quota"));
    return new Failure(name, code, reason, refused);
  }

  private void fail(long shard, Failure failure) {
    synchronized (lock) {
      Slot slot = slots.get(shard);
      slot.failure = failure;
      slot.failures++;
      long backoff = Math.min(MAX_BACKOFF_MILLIS, 50L << Math.min(10, slot.failures));
      slot.nextAttemptMillis = nowMillis() + backoff / 2 + scheduling.jitter(backoff / 2 + 1);
    }
    if (failure.refused()) {
      listener.refused(failure.configMap(), failure.code(), failure.reason());
      LOG.warn(
          "{} {} {} {} {}",
          kv("event", "state_write_refused"),
          kv("configmap", namespace + "/" + failure.configMap()),
          kv("code", failure.code()),
          kv("reason", failure.reason()),
          kv("action", "retrying_with_backoff"));
    } else if (failure.code() != 0) {
      LOG.warn(
          "{} {} {} {} {}",
          kv("event", "state_write_failed"),
          kv("configmap", namespace + "/" + failure.configMap()),
          kv("code", failure.code()),
          kv("reason", failure.reason()),
          kv("action", "retrying"));
    }
  }

  @Override
  public void close() {
    running = false;
    writer.shutdownNow();
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception ignored) {
        // closing an informer cannot fail in a way that matters here
      }
    }
  }
}
