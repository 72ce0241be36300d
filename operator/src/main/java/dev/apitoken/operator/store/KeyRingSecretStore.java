package dev.apitoken.operator.store;

import static net.logstash.logback.argument.StructuredArguments.keyValue;
import static net.logstash.logback.argument.StructuredArguments.kv;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.kubernetes.Failures;
import dev.apitoken.operator.kubernetes.KubernetesWrites;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.runtime.AuditAction;
import dev.apitoken.operator.token.KeyRevocationStatement;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.KeyRingCodec;
import dev.apitoken.operator.token.KeyRingDrift;
import dev.apitoken.operator.token.RevokedKids;
import dev.apitoken.operator.token.SigningKey;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the signing key ring in one Secret in the operator's namespace: creates it on first start,
 * rotates the signing key when it is due, and drops retired keys once every token they signed has
 * expired. Writes use the Secret's resourceVersion, so two replicas never overwrite each other's
 * rotation. The private keys never leave that Secret.
 *
 * <p>The ring held in memory is the working copy. If the Secret is deleted, emptied or edited to
 * drop a key that still verifies tokens while the operator runs, the leader writes the held ring
 * back at once (same keys: no token becomes invalid) and raises a Warning; a standby only follows
 * what the leader stores.
 */
public final class KeyRingSecretStore implements AutoCloseable {
  public static final String KEY = "keyring.json";

  /** Warning Event reason: the Secret was deleted or damaged and the held key ring written back. */
  public static final String REASON_RESTORED = "KeyRingRestored";

  /** Warning Event reason: no key ring at start while earlier keys were published: a new ring. */
  public static final String REASON_RECREATED = "KeyRingRecreated";

  /**
   * The next signing key is published this long before it signs (at most half the rotation period),
   * so workloads whose mounted copy of the keys is minutes old already know it.
   */
  public static final Duration PUBLISH_AHEAD = Duration.ofHours(1);

  /**
   * Key compromise request: {@code <kid>[,<kid>...]} set by a cluster admin ({@code kubectl
   * apitoken keys revoke KID}). The leader removes those keys from the ring and every published
   * JWKS, records them in {@link #REVOKED_KIDS_ANNOTATION} and clears the request.
   */
  public static final String REVOKE_KIDS_ANNOTATION = "apitoken.dev/revoke-kids";

  /** {@code <kid>=<RFC 3339>,...}: keys revoked for good; never used or published again. */
  public static final String REVOKED_KIDS_ANNOTATION = "apitoken.dev/revoked-kids";

  /** The ring without private material, for {@code kubectl apitoken keys}: a JSON array. */
  public static final String KEYS_ANNOTATION = "apitoken.dev/keys";

  public static final String REASON_KEY_REVOKED = "KeyRevoked";

  /**
   * Warning Event reason: the Secret held a revoked key again (a backup taken before the revocation
   * was restored), and the key was removed again.
   */
  public static final String REASON_REVOKED_KEY_RESTORED = "RevokedKeyRestored";

  private static final Logger LOG = LoggerFactory.getLogger(KeyRingSecretStore.class);
  private static final Logger AUDIT = LoggerFactory.getLogger("audit");

  /** Raises a Warning about the key ring Secret (a Kubernetes Event in production). */
  @FunctionalInterface
  public interface Warnings {
    void raise(Secret keyRingSecret, String reason, String message);
  }

  private final KubernetesClient client;
  private final OperatorConfig config;
  private final Clock clock;
  private final SecureRandom random;
  private final Consumer<KeyRing> onChange;
  private final Warnings warnings;
  private volatile KeyRing ring;
  private final RevokedKidRecords records;

  /**
   * Every key revoked for good: the union of the Secret's record, the operator state's and every
   * trust copy's. Only grows, except that a key is forgotten once no token it signed can pass.
   */
  private volatile RevokedKids revoked = RevokedKids.none();

  /** What the operator state was last seen or made to hold. */
  private volatile RevokedKids revokedInState;

  private volatile String resourceVersion;
  private volatile boolean writer;
  private volatile Fence fence = Fence.OPEN;

  /** A repair failed (e.g. the API server was unreachable): {@link #maintain()} tries again. */
  private volatile boolean repairPending;

  private SharedIndexInformer<Secret> informer;

  public KeyRingSecretStore(
      KubernetesClient client,
      OperatorConfig config,
      Clock clock,
      SecureRandom random,
      Consumer<KeyRing> onChange) {
    this(client, config, clock, random, onChange, (secret, reason, message) -> {});
  }

  public KeyRingSecretStore(
      KubernetesClient client,
      OperatorConfig config,
      Clock clock,
      SecureRandom random,
      Consumer<KeyRing> onChange,
      Warnings warnings) {
    this(client, config, clock, random, onChange, warnings, RevokedKidRecords.NONE);
  }

  public KeyRingSecretStore(
      KubernetesClient client,
      OperatorConfig config,
      Clock clock,
      SecureRandom random,
      Consumer<KeyRing> onChange,
      Warnings warnings,
      RevokedKidRecords records) {
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.onChange = onChange;
    this.warnings = warnings;
    this.records = records;
  }

  /**
   * Loads the key ring, creating it when absent, and follows the Secret from then on. Rotation,
   * pruning and repairs are left to the leader ({@link #startWriting()}), so a standby never writes
   * the ring once loaded.
   */
  public KeyRing start() {
    KeyRing loaded = load();
    if (informer == null) {
      // Outside the lock: the informer's first event (the Secret just loaded) takes it.
      informer = secret().inform(new FollowStored());
    }
    return loaded;
  }

  private synchronized KeyRing load() {
    for (int attempt = 1; ring == null; attempt++) {
      Secret existing = secret().get();
      if (existing != null) {
        adopt(existing);
      } else {
        KeyRing created = KeyRing.create(clock.instant(), random);
        try {
          Secret written = secrets().resource(toSecret(created, null)).create();
          adopt(written);
          AUDIT.info(
              "audit {} {} {}",
              AuditAction.KEYRING_CREATE.field(),
              kv("secret", secretPath()),
              kv("kid", created.activeKey().kid()));
          warnIfKeysWereLost(written, created);
        } catch (KubernetesClientException e) {
          if (!KubernetesWrites.isConflict(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
            throw e;
          }
        }
      }
    }
    // Unreadable state fails the start, as an unreadable Secret does: the Secret may be a restored
    // backup that lacks a revocation only the state remembers. A revoked key still in the ring is
    // dropped once this replica writes (startWriting): nothing publishes or signs before that.
    RevokedKids inState = records.readState();
    revokedInState = inState;
    merge(inState);
    onChange.accept(ring);
    return ring;
  }

  /**
   * From now on this replica writes the ring: it repairs the Secret if it was lost or damaged while
   * this replica stood by, and after any later deletion or edit.
   */
  public synchronized void startWriting() {
    writer = true;
    try {
      mergeRecords();
      follow(secret().get());
      storeRecords();
    } catch (RuntimeException e) {
      repairPending = true;
      LOG.warn(
          "{} {} {} {}",
          kv("event", "keyring_check_failed"),
          kv("secret", secretPath()),
          kv("error", Failures.brief(e)),
          kv("action", "retrying_at_next_maintenance"));
    }
  }

  public KeyRing current() {
    return ring;
  }

  /** The key to sign with now, rotating first when the rotation period has passed. */
  public SigningKey activeKey() {
    KeyRing current = ring;
    Instant now = clock.instant();
    if (current.rotationDue(now, config.keyRotationPeriod(), PUBLISH_AHEAD)) {
      maintain();
    }
    return ring.activeKey();
  }

  /**
   * Rotates when due and prunes retired keys; on the leader also merges the revoked keys with every
   * record of them first. Persists and publishes any change.
   */
  public synchronized void maintain() {
    if (writer) {
      syncRevokedKids();
    }
    if (repairPending && writer) {
      follow(secret().get());
      repairPending = false;
    }
    for (int attempt = 1; ; attempt++) {
      Instant now = clock.instant();
      KeyRing next =
          ring.rotateIfDue(now, config.keyRotationPeriod(), PUBLISH_AHEAD, random)
              .pruneRetired(now, config.maxTtl());
      if (next == ring) {
        return;
      }
      try {
        Secret written = write(next, resourceVersion);
        ring = next;
        resourceVersion = written.getMetadata().getResourceVersion();
        AUDIT.info(
            "audit {} {} {} {}",
            AuditAction.KEYRING_UPDATE.field(),
            kv("secret", secretPath()),
            kv("active_kid", next.activeKey().kid()),
            kv("keys", next.keys().size()));
        onChange.accept(ring);
        return;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
        // Another replica rotated first (take its ring), or the Secret was deleted (put ours back).
        follow(secret().get());
      }
    }
  }

  /**
   * Compares what the Secret holds with the ring in memory and acts: nothing, adopt a newer ring
   * (another replica rotated), or, on the leader, write the held ring back.
   */
  private synchronized void follow(Secret stored) {
    for (int attempt = 1; ; attempt++) {
      Set<String> requested = KeyRevocations.requested(stored);
      if (stored != null
          && Objects.equals(stored.getMetadata().getResourceVersion(), resourceVersion)
          && (!writer || (requested.isEmpty() && recordedOn(stored)))) {
        return;
      }
      merge(KeyRevocations.revoked(stored, clock.instant()));
      if (holdsRevoked(ring)) {
        Optional<KeyRing> storedRing = readable(stored);
        if (storedRing.isPresent() && !holdsRevoked(storedRing.get())) {
          // The leader revoked a key: take its ring, never put the key back.
          adoptedWithout(storedRing.get(), stored.getMetadata().getResourceVersion());
          return;
        }
        dropRevokedFromHeld();
      }
      if (writer && !requested.isEmpty()) {
        try {
          revokeKeys(stored, requested);
          return;
        } catch (KubernetesClientException e) {
          if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
            throw e;
          }
          stored = secret().get();
          continue;
        }
      }
      Optional<KeyRing> storedRing = readable(stored);
      if (storedRing.isPresent() && holdsRevoked(storedRing.get())) {
        if (!writer) {
          LOG.warn(
              "{} {} {} {}",
              kv("event", "revoked_key_restored"),
              kv("secret", secretPath()),
              kv("kids", revokedIn(storedRing.get())),
              kv("action", "waiting_for_leader_to_remove"));
          return;
        }
        try {
          removeRestoredRevokedKeys(stored, storedRing.get());
          return;
        } catch (KubernetesClientException e) {
          if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
            throw e;
          }
          stored = secret().get();
          continue;
        }
      }
      Instant now = clock.instant();
      switch (KeyRingDrift.of(ring, storedRing, now, config.maxTtl())) {
        case SAME, ADOPT -> {
          if (!ring.equals(storedRing.get())) {
            ring = storedRing.get();
            LOG.info(
                "{} {} {} {}",
                kv("event", "keyring_adopted"),
                kv("secret", secretPath()),
                kv("active_kid", ring.activeKey().kid()),
                kv("keys", ring.keys().size()));
            onChange.accept(ring);
          }
          resourceVersion = stored.getMetadata().getResourceVersion();
          if (!writer || recordedOn(stored)) {
            return;
          }
          try {
            // The Secret's record lags the union (a restored Secret, or a key forgotten).
            Secret written = write(ring, resourceVersion);
            resourceVersion = written.getMetadata().getResourceVersion();
            LOG.info(
                "{} {} {}",
                kv("event", "revoked_kids_recorded"),
                kv("secret", secretPath()),
                kv("revoked_kids", revoked.kids()));
            return;
          } catch (KubernetesClientException e) {
            if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
              throw e;
            }
            stored = secret().get();
            continue;
          }
        }
        case RESTORE -> {
          if (!writer) {
            LOG.warn(
                "{} {} {}",
                kv("event", "keyring_damaged"),
                kv("secret", secretPath()),
                kv("action", "waiting_for_leader_to_restore"));
            return;
          }
        }
      }
      String damage =
          stored == null
              ? "was deleted"
              : storedRing.isEmpty()
                  ? "holds no readable key ring"
                  : "lacks keys "
                      + KeyRingDrift.missing(ring, storedRing, now, config.maxTtl())
                      + " that still verify tokens";
      try {
        Secret written =
            write(ring, stored == null ? null : stored.getMetadata().getResourceVersion());
        resourceVersion = written.getMetadata().getResourceVersion();
        String message =
            "Secret "
                + secretPath()
                + " "
                + damage
                + ": restored the "
                + ring.keys().size()
                + " signing keys the operator holds (active key "
                + ring.activeKey().kid()
                + "); every token issued so far still verifies";
        LOG.warn(
            "{} {} {} {} {}",
            kv("event", "keyring_restored"),
            kv("secret", secretPath()),
            keyValue("damage", damage, "{0}=\"{1}\""),
            kv("active_kid", ring.activeKey().kid()),
            kv("keys", ring.keys().size()));
        AUDIT.info(
            "audit {} {} {} {}",
            AuditAction.KEYRING_RESTORE.field(),
            kv("secret", secretPath()),
            kv("active_kid", ring.activeKey().kid()),
            kv("keys", ring.keys().size()));
        warnings.raise(written, REASON_RESTORED, message);
        return;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isStale(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
        stored = secret().get();
      }
    }
  }

  /**
   * Key compromise: removes the requested keys (a new active key is made when the active one goes;
   * it signs only once published), records them as revoked and clears the request, in one write.
   */
  private void revokeKeys(Secret stored, Set<String> requested) {
    Instant now = clock.instant();
    RevokedKids before = revoked;
    for (String kid : requested) {
      revoked = revoked.with(kid, now);
    }
    KeyRing next = ring.withoutKeys(revoked.kids(), now, random);
    Secret written;
    try {
      written = write(next, stored.getMetadata().getResourceVersion());
    } catch (RuntimeException e) {
      revoked = before;
      throw e;
    }
    KeyRing previous = ring;
    ring = next;
    resourceVersion = written.getMetadata().getResourceVersion();
    // Signed by each revoked key while the ring still held it: a backup of the ring that holds the
    // key can check this record alone, after every other record is lost.
    for (String kid : requested) {
      previous.byKid(kid).ifPresent(key -> records.stated(KeyRevocationStatement.sign(key, now)));
    }
    for (String kid : requested) {
      AUDIT.info(
          "audit {} {} {} {} {}",
          AuditAction.KEY_REVOKED.field(),
          kv("secret", secretPath()),
          kv("kid", kid),
          kv("was_in_ring", previous.byKid(kid).isPresent()),
          kv("active_kid", next.activeKey().kid()));
    }
    LOG.warn(
        "{} {} {} {}",
        kv("event", "key_revoked"),
        kv("secret", secretPath()),
        kv("kids", requested),
        kv("active_kid", next.activeKey().kid()));
    warnings.raise(
        written,
        REASON_KEY_REVOKED,
        "Revoked signing key(s) "
            + String.join(", ", requested)
            + ": removed from every published JWKS, so every token they signed fails as an"
            + " unknown key; affected tokens are reissued with key "
            + next.activeKey().kid()
            + " once it is published everywhere");
    onChange.accept(ring);
    storeRecordsOrRetry();
  }

  /**
   * A Secret that holds a revoked key again (a backup taken before the revocation was restored):
   * written back as the ring held, which lacks it, in one write. The key is never published or used
   * meanwhile: the held ring never holds it.
   */
  private void removeRestoredRevokedKeys(Secret stored, KeyRing storedRing) {
    Set<String> restored = revokedIn(storedRing);
    Secret written = write(ring, stored == null ? null : stored.getMetadata().getResourceVersion());
    resourceVersion = written.getMetadata().getResourceVersion();
    LOG.warn(
        "{} {} {} {} {}",
        kv("event", "revoked_key_restored"),
        kv("secret", secretPath()),
        kv("kids", restored),
        kv("action", "removed"),
        kv("active_kid", ring.activeKey().kid()));
    for (String kid : restored) {
      AUDIT.info(
          "audit {} {} {} {} {}",
          AuditAction.REVOKED_KEY_REMOVED.field(),
          kv("secret", secretPath()),
          kv("kid", kid),
          kv("revoked_at", revoked.revokedAt().get(kid)),
          kv("active_kid", ring.activeKey().kid()));
    }
    warnings.raise(
        written,
        REASON_REVOKED_KEY_RESTORED,
        "Secret "
            + secretPath()
            + " held signing key(s) "
            + String.join(", ", restored)
            + " that were revoked for good (was a backup taken before the revocation restored?):"
            + " removed them again; they stay out of every published JWKS, and tokens they signed"
            + " are reissued with key "
            + ring.activeKey().kid());
  }

  private Set<String> revokedIn(KeyRing keyRing) {
    Set<String> kids = new TreeSet<>();
    keyRing.keys().stream().map(SigningKey::kid).filter(revoked::contains).forEach(kids::add);
    return kids;
  }

  private boolean holdsRevoked(KeyRing keyRing) {
    return keyRing.keys().stream().anyMatch(key -> revoked.contains(key.kid()));
  }

  /**
   * Drops revoked keys from the held ring at once (a fresh key is made when the active one goes; it
   * signs only once published), so they are neither published nor used to sign, even while the
   * Secret cannot be written. Writer only: a standby waits for the leader's ring instead, which it
   * must adopt as is.
   */
  private void dropRevokedFromHeld() {
    if (!writer || !holdsRevoked(ring)) {
      return;
    }
    ring = ring.withoutKeys(revoked.kids(), clock.instant(), random);
    onChange.accept(ring);
  }

  /**
   * Takes {@code more} into the union: merge, never subtract. A key is forgotten only once every
   * token it can have signed has expired beyond the largest verifier leeway: revoked at most
   * max-ttl after it signed, so {@code revokedAt + max-ttl + leeway and propagation margin}.
   *
   * @return whether the union changed
   */
  private boolean merge(RevokedKids more) {
    RevokedKids next =
        revoked
            .union(more)
            .forgettingExpired(
                clock.instant(), config.maxTtl().plus(IndexSpace.RETENTION_AFTER_EXPIRY));
    if (next.equals(revoked)) {
      return false;
    }
    revoked = next;
    return true;
  }

  /** Whether the Secret records exactly the union and holds no revoked key. */
  private boolean recordedOn(Secret stored) {
    return KeyRevocations.revokedText(stored).equals(revoked.format())
        && readable(stored).map(r -> !holdsRevoked(r)).orElse(false);
  }

  /**
   * The union with every record outside the Secret: the copies first (from memory, never fails),
   * then the operator state (read from the API).
   */
  private boolean mergeRecords() {
    boolean changed = merge(records.shownByCopies());
    // Dropped before the state is read: a failed read must not leave a revoked key held.
    dropRevokedFromHeld();
    RevokedKids inState = records.readState();
    revokedInState = inState;
    changed |= merge(inState);
    dropRevokedFromHeld();
    return changed;
  }

  /** Makes the operator state and the copies record the union, when the state lags. */
  private void storeRecords() {
    RevokedKids union = revoked;
    if (!union.equals(revokedInState)) {
      records.store(union);
      revokedInState = union;
    }
  }

  private void storeRecordsOrRetry() {
    try {
      storeRecords();
    } catch (RuntimeException e) {
      LOG.warn(
          "{} {} {}",
          kv("event", "revoked_kids_store_failed"),
          kv("error", Failures.brief(e)),
          kv("action", "retrying_at_next_maintenance"));
    }
  }

  /**
   * Every maintenance pass: the union with every record (a record restored from an old backup, or
   * lost, is made whole again), kids past their retention forgotten everywhere, and a Secret that
   * lags written.
   */
  private void syncRevokedKids() {
    try {
      if (mergeRecords()) {
        follow(secret().get());
      }
      storeRecords();
    } catch (RuntimeException e) {
      LOG.warn(
          "{} {} {}",
          kv("event", "revoked_kids_sync_failed"),
          kv("error", Failures.brief(e)),
          kv("action", "retrying_at_next_maintenance"));
    }
  }

  /** Takes the stored ring, which the leader wrote without revoked keys, over the held one. */
  private void adoptedWithout(KeyRing stored, String version) {
    ring = stored;
    resourceVersion = version;
    onChange.accept(ring);
  }

  /** The kids revoked for good, with when. */
  public RevokedKids revokedKids() {
    return revoked;
  }

  /**
   * A new ring is made only when there is none. If the trust ConfigMap still lists keys, they were
   * lost (the Secret was deleted while the operator was down): every token they signed is now
   * unverifiable and gets reissued, which an operator should hear about.
   */
  private void warnIfKeysWereLost(Secret written, KeyRing created) {
    Set<String> lost = publishedKids();
    lost.removeAll(created.keys().stream().map(SigningKey::kid).toList());
    if (lost.isEmpty()) {
      return;
    }
    String message =
        "no key ring Secret "
            + secretPath()
            + " found while keys "
            + lost
            + " are still published: created a new key ring (key "
            + created.activeKey().kid()
            + "); tokens signed by the lost keys no longer verify and are reissued once the new key"
            + " is published";
    LOG.warn(
        "{} {} {} {}",
        kv("event", "keyring_lost"),
        kv("secret", secretPath()),
        kv("lost_kids", lost),
        kv("new_kid", created.activeKey().kid()));
    warnings.raise(written, REASON_RECREATED, message);
  }

  /** The kids in the trust ConfigMap of the operator's namespace; empty if none is readable. */
  private Set<String> publishedKids() {
    Set<String> kids = new TreeSet<>();
    try {
      ConfigMap trust =
          client
              .configMaps()
              .inNamespace(config.operatorNamespace())
              .withName(config.trustConfigMapName())
              .get();
      String jwks =
          trust == null || trust.getData() == null
              ? null
              : trust.getData().get(TrustDocument.JWKS_KEY);
      if (jwks != null) {
        for (JsonNode key : Serialization.jsonMapper().readTree(jwks).path("keys")) {
          if (key.path("kid").isTextual()) {
            kids.add(key.path("kid").textValue());
          }
        }
      }
    } catch (Exception unreadable) {
      LOG.debug(
          "{} {}",
          kv("event", "published_keys_unreadable"),
          kv("error", Failures.brief(unreadable)));
    }
    return kids;
  }

  /** Asked before every rotation, pruning or repair write: a replica that lost the Lease stops. */
  public void fence(Fence fence) {
    this.fence = fence;
  }

  private Secret write(KeyRing keyRing, String version) {
    if (!fence.mayWrite()) {
      throw new IllegalStateException("not the leader: the key ring is left to the leader");
    }
    return version == null
        ? secrets().resource(toSecret(keyRing, null)).create()
        : secrets().resource(toSecret(keyRing, version)).update();
  }

  private void adopt(Secret secret) {
    String encoded = secret.getData() == null ? null : secret.getData().get(KEY);
    if (encoded == null) {
      throw new IllegalStateException(
          "Secret "
              + secretPath()
              + " has no '"
              + KEY
              + "' entry: delete it to let the operator create a new key ring");
    }
    merge(KeyRevocations.revoked(secret, clock.instant()));
    ring = decode(encoded);
    resourceVersion = secret.getMetadata().getResourceVersion();
  }

  private static Optional<KeyRing> readable(Secret secret) {
    String encoded = secret == null || secret.getData() == null ? null : secret.getData().get(KEY);
    if (encoded == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(decode(encoded));
    } catch (RuntimeException unreadable) {
      return Optional.empty();
    }
  }

  private static KeyRing decode(String encoded) {
    return KeyRingCodec.fromJson(
        new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
  }

  private Secret toSecret(KeyRing keyRing, String resourceVersion) {
    String json = KeyRingCodec.toJson(keyRing);
    return new SecretBuilder()
        .withNewMetadata()
        .withName(config.keyRingSecretName())
        .withNamespace(config.operatorNamespace())
        .withLabels(Labels.managed("signing-keys"))
        .withAnnotations(KeyRevocations.annotations(keyRing, revoked))
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .withType("Opaque")
        .addToData(KEY, Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  private String secretPath() {
    return config.operatorNamespace() + "/" + config.keyRingSecretName();
  }

  private io.fabric8.kubernetes.client.dsl.Resource<Secret> secret() {
    return secrets().withName(config.keyRingSecretName());
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          Secret,
          io.fabric8.kubernetes.api.model.SecretList,
          io.fabric8.kubernetes.client.dsl.Resource<Secret>>
      secrets() {
    return client.secrets().inNamespace(config.operatorNamespace());
  }

  /** Acts on every change the informer sees; failures are retried by the next maintenance. */
  private final class FollowStored implements ResourceEventHandler<Secret> {
    @Override
    public void onAdd(Secret secret) {
      safely(secret);
    }

    @Override
    public void onUpdate(Secret before, Secret after) {
      safely(after);
    }

    @Override
    public void onDelete(Secret secret, boolean finalStateUnknown) {
      safely(null);
    }

    private void safely(Secret secret) {
      try {
        follow(secret);
      } catch (RuntimeException e) {
        repairPending = true;
        LOG.warn(
            "{} {} {} {}",
            kv("event", "keyring_restore_failed"),
            kv("secret", secretPath()),
            kv("error", Failures.brief(e)),
            kv("action", "retrying_at_next_maintenance"));
      }
    }
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
