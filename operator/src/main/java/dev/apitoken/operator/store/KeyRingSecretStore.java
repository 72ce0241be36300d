package dev.apitoken.operator.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.denylist.TrustDocument;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.KeyRingCodec;
import dev.apitoken.operator.token.KeyRingDrift;
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
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
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
  private final Map<String, String> revokedKids = new ConcurrentSkipListMap<>();
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
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.onChange = onChange;
    this.warnings = warnings;
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
              "audit action=keyring_create secret={} kid={}",
              secretPath(),
              created.activeKey().kid());
          warnIfKeysWereLost(written, created);
        } catch (KubernetesClientException e) {
          if (!KubernetesWrites.isConflict(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
            throw e;
          }
        }
      }
    }
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
      follow(secret().get());
    } catch (RuntimeException e) {
      repairPending = true;
      LOG.warn(
          "event=keyring_check_failed secret={} error={} action=retrying_at_next_maintenance",
          secretPath(),
          describe(e));
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

  /** Rotates when due and prunes retired keys; persists and publishes any change. */
  public synchronized void maintain() {
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
            "audit action=keyring_update secret={} active_kid={} keys={}",
            secretPath(),
            next.activeKey().kid(),
            next.keys().size());
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
          && (requested.isEmpty() || !writer)) {
        return;
      }
      revokedKids.putAll(KeyRevocations.revoked(stored));
      if (holdsRevoked(ring)) {
        Optional<KeyRing> storedRing = readable(stored);
        if (storedRing.isPresent() && !holdsRevoked(storedRing.get())) {
          // The leader revoked a key: take its ring, never put the key back.
          adoptedWithout(storedRing.get(), stored.getMetadata().getResourceVersion());
          return;
        }
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
      Instant now = clock.instant();
      switch (KeyRingDrift.of(ring, storedRing, now, config.maxTtl())) {
        case SAME -> {
          resourceVersion = stored.getMetadata().getResourceVersion();
          return;
        }
        case ADOPT -> {
          ring = storedRing.get();
          resourceVersion = stored.getMetadata().getResourceVersion();
          LOG.info(
              "event=keyring_adopted secret={} active_kid={} keys={}",
              secretPath(),
              ring.activeKey().kid(),
              ring.keys().size());
          onChange.accept(ring);
          return;
        }
        case RESTORE -> {
          if (!writer) {
            LOG.warn(
                "event=keyring_damaged secret={} action=waiting_for_leader_to_restore",
                secretPath());
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
            "event=keyring_restored secret={} damage=\"{}\" active_kid={} keys={}",
            secretPath(),
            damage,
            ring.activeKey().kid(),
            ring.keys().size());
        AUDIT.info(
            "audit action=keyring_restore secret={} active_kid={} keys={}",
            secretPath(),
            ring.activeKey().kid(),
            ring.keys().size());
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
    Map<String, String> before = Map.copyOf(revokedKids);
    requested.forEach(
        kid -> revokedKids.putIfAbsent(kid, now.truncatedTo(ChronoUnit.SECONDS).toString()));
    KeyRing next = ring.withoutKeys(revokedKids.keySet(), now, random);
    Secret written;
    try {
      written = write(next, stored.getMetadata().getResourceVersion());
    } catch (RuntimeException e) {
      revokedKids.clear();
      revokedKids.putAll(before);
      throw e;
    }
    KeyRing previous = ring;
    ring = next;
    resourceVersion = written.getMetadata().getResourceVersion();
    for (String kid : requested) {
      AUDIT.info(
          "audit action=key_revoked secret={} kid={} was_in_ring={} active_kid={}",
          secretPath(),
          kid,
          previous.byKid(kid).isPresent(),
          next.activeKey().kid());
    }
    LOG.warn(
        "event=key_revoked secret={} kids={} active_kid={}",
        secretPath(),
        requested,
        next.activeKey().kid());
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
  }

  private boolean holdsRevoked(KeyRing keyRing) {
    return keyRing.keys().stream().anyMatch(key -> revokedKids.containsKey(key.kid()));
  }

  /** Takes the stored ring, which the leader wrote without revoked keys, over the held one. */
  private void adoptedWithout(KeyRing stored, String version) {
    ring = stored;
    resourceVersion = version;
    onChange.accept(ring);
  }

  /** The kids revoked for good, with when. */
  public Map<String, String> revokedKids() {
    return Map.copyOf(revokedKids);
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
        "event=keyring_lost secret={} lost_kids={} new_kid={}",
        secretPath(),
        lost,
        created.activeKey().kid());
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
      LOG.debug("event=published_keys_unreadable error={}", unreadable.toString());
    }
    return kids;
  }

  /** Never the exception message: a response body could echo the Secret. */
  private static String describe(RuntimeException e) {
    return e instanceof KubernetesClientException k
        ? "HTTP " + k.getCode()
        : e.getClass().getSimpleName();
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
    revokedKids.putAll(KeyRevocations.revoked(secret));
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
        .withAnnotations(KeyRevocations.annotations(keyRing, revokedKids))
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
            "event=keyring_restore_failed secret={} error={} action=retrying_at_next_maintenance",
            secretPath(),
            describe(e));
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
