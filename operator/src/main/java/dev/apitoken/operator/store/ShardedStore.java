package dev.apitoken.operator.store;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.apitoken.operator.kubernetes.KubernetesWrites;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.IssueRecordShard;
import dev.apitoken.operator.runtime.OperatorMetrics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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

  static final String COMPONENT = "issue-records";
  private static final String DESCRIPTION =
      "Tokens issued by the ApiToken operator (index, expiry, owner uid, revoked mark)."
          + " Do not edit: the operator restores it.";
  private static final Logger LOG = LoggerFactory.getLogger(ShardedStore.class);
  private static final long MAX_BACKOFF_MILLIS = 5_000;
  private static final int MAX_STALE_RETRIES = 20;

  private final ConfigMapApi api;
  private final String namespace;
  private final String prefix;
  private final Fence fence;
  private final OperatorMetrics metrics;
  private final LongConsumer storedChanged;
  private final Scheduling scheduling;
  private final ScheduledExecutorService writer;
  private final Object lock = new Object();
  private final TreeMap<Long, Slot> slots = new TreeMap<>();

  /** A pass over the due shards is queued and has not begun: a wake-up meanwhile is carried. */
  private final AtomicBoolean passQueued = new AtomicBoolean();

  /** The wake-up for the earliest backoff (guarded by lock). */
  private ScheduledFuture<?> retry;

  private volatile boolean running;
  private AutoCloseable watch;

  private static final class Slot {
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
   * @param storedChanged told the shard number whenever what is stored of it changed
   * @param scheduling the writer's executor, time and jitter: {@link Scheduling#THREADS} in the
   *     operator, the model test's single-threaded scheduler there
   */
  public ShardedStore(
      ConfigMapApi api,
      String namespace,
      String prefix,
      Fence fence,
      OperatorMetrics metrics,
      LongConsumer storedChanged,
      Scheduling scheduling) {
    this.api = api;
    this.namespace = namespace;
    this.prefix = prefix;
    this.fence = fence;
    this.metrics = metrics;
    this.storedChanged = storedChanged;
    this.scheduling = scheduling;
    this.writer = scheduling.singleThread(prefix + "-writer");
  }

  String name(long shard) {
    return prefix + "-" + shard;
  }

  /** Reads every stored shard, then starts writing and watching. Returns the shards stored. */
  public Set<Long> start() {
    Set<Long> loaded = new TreeSet<>();
    for (ConfigMap map : api.list(namespace, Labels.managed(COMPONENT))) {
      Long shard = shardOf(map.getMetadata().getName());
      if (shard != null) {
        loaded.add(shard);
        read(shard, map);
      }
    }
    running = true;
    wake();
    watch =
        api.watch(namespace, Labels.managed(COMPONENT), (ns, name, after) -> observe(name, after));
    return loaded;
  }

  /** A shard as this store read it from the API (null: absent): stored, and merged into wanted. */
  private void read(long shard, ConfigMap map) {
    IssueRecordShard content = map == null ? IssueRecordShard.EMPTY : decodeOrEmpty(map);
    synchronized (lock) {
      Slot slot = slot(shard);
      slot.stored = content;
      if (map == null) {
        slot.resourceVersion = null;
        return;
      }
      slot.resourceVersion = slot.newestVersion = map.getMetadata().getResourceVersion();
      IssueRecordShard merged = slot.wanted.union(content);
      if (!Objects.equals(merged, slot.wanted)) {
        slot.wanted = merged;
        slot.version++;
      }
    }
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
      boolean stored =
          slot.resourceVersion == null
              ? slot.wanted.isEmpty()
              : Objects.equals(slot.wanted, slot.stored);
      if (!slot.dirty && stored) {
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
    Set<Long> seen = new HashSet<>();
    for (ConfigMap map : api.list(namespace, Labels.managed(COMPONENT))) {
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
    synchronized (lock) {
      Slot slot = slot(shard);
      if (after == null) {
        if (slot.resourceVersion != null) {
          slot.resourceVersion = null;
          slot.stored = IssueRecordShard.EMPTY;
          if (!slot.wanted.isEmpty()) {
            restoring(slot, name, "deleted");
          }
        }
        return;
      }
      String version = after.getMetadata().getResourceVersion();
      if ((version != null && version.equals(slot.resourceVersion))
          || !isNewer(version, slot.newestVersion)) {
        return;
      }
      IssueRecordShard content = decodeOrEmpty(after);
      slot.stored = content;
      slot.resourceVersion = slot.newestVersion = version;
      if (slot.writing != null && Objects.equals(content, slot.writing)) {
        // Our own write, seen before its answer: not an edit, and told once the write returns.
        return;
      }
      IssueRecordShard merged = slot.wanted.union(content);
      if (!Objects.equals(merged, slot.wanted)) {
        metrics.revocationSourceDisagreed("store");
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
        restoring(slot, name, "edited");
      }
    }
    storedChanged.accept(shard);
  }

  /**
   * resourceVersions are opaque, but ours are numbers: an informer event no newer than what was
   * last written, read or deleted is skipped (a late event must not bring deleted content back).
   */
  private static boolean isNewer(String version, String known) {
    try {
      return known == null || Long.parseLong(version) > Long.parseLong(known);
    } catch (NumberFormatException opaque) {
      return true;
    }
  }

  private void restoring(Slot slot, String name, String why) {
    metrics.stateRestored(why);
    LOG.warn(
        "{} {} {}",
        kv("event", "state_shard_" + why),
        kv("configmap", namespace + "/" + name),
        kv("action", "restoring"));
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
      metrics.stateRestored("corrupt");
      return IssueRecordShard.EMPTY;
    }
  }

  private Long shardOf(String name) {
    String number =
        name == null || !name.startsWith(prefix + "-") ? "" : name.substring(prefix.length() + 1);
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
    for (Long due = nextDue(); running && due != null; due = nextDue()) {
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
    synchronized (lock) {
      for (var e : slots.entrySet()) {
        if (e.getValue().dirty && e.getValue().nextAttemptMillis <= now) {
          return e.getKey();
        }
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
    return soonest == Long.MAX_VALUE ? 0 : soonest;
  }

  private void writeShard(long shard) {
    String name = name(shard);
    for (int attempt = 1; running; attempt++) {
      try {
        // Inside the try: a failed re-read is one more failed attempt, never the end of the writer.
        if (attempt > 1) {
          read(shard, api.get(namespace, name(shard)));
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
          slot.waiters.removeIf(w -> w.version() <= wantedVersion && done.add(w.written()));
          slot.dirty = slot.version != wantedVersion;
        }
        // What is stored changed: whoever publishes only stored state looks again, before any
        // caller learns its change is stored.
        storedChanged.accept(shard);
        done.forEach(f -> f.complete(null));
        return;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= MAX_STALE_RETRIES) {
          fail(shard, failureOf(name, e));
          return;
        }
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
      metrics.stateObjectSize(name, 0);
      return null;
    }
    Map<String, String> data = wanted.encode();
    ConfigMap desired =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withResourceVersion(version)
            .withLabels(Labels.managed(COMPONENT))
            .addToAnnotations("apitoken.dev/description", DESCRIPTION)
            .endMetadata()
            .withData(data)
            .build();
    ConfigMap written = version == null ? api.create(desired) : api.update(desired);
    metrics.stateObjectSize(name, dataBytes(data));
    return written.getMetadata().getResourceVersion();
  }

  /** What the API server counts against its ConfigMap limit: keys and values, in UTF-8. */
  public static long dataBytes(Map<String, String> data) {
    long bytes = 0;
    for (Map.Entry<String, String> entry : data.entrySet()) {
      bytes += entry.getKey().getBytes(StandardCharsets.UTF_8).length;
      bytes += entry.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    return bytes;
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
      metrics.stateWriteRefused(failure.configMap(), failure.code());
    }
    if (failure.code() != 0) {
      LOG.warn(
          "{} {} {} {} {}",
          kv("event", failure.refused() ? "state_write_refused" : "state_write_failed"),
          kv("configmap", namespace + "/" + failure.configMap()),
          kv("code", failure.code()),
          kv("reason", failure.reason()),
          kv("action", failure.refused() ? "retrying_with_backoff" : "retrying"));
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
