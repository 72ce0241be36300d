package dev.apitoken.operator.store;

import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.KeyRingCodec;
import dev.apitoken.operator.token.SigningKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the signing key ring in one Secret in the operator's namespace: creates it on first start,
 * rotates the signing key when it is due, and drops retired keys once every token they signed has
 * expired. Writes use the Secret's resourceVersion, so two replicas never overwrite each other's
 * rotation. The private keys never leave that Secret.
 */
public final class KeyRingSecretStore {
  public static final String KEY = "keyring.json";

  /**
   * The next signing key is published this long before it signs (at most half the rotation period),
   * so workloads whose mounted copy of the keys is minutes old already know it.
   */
  public static final Duration PUBLISH_AHEAD = Duration.ofHours(1);

  private static final Logger AUDIT = LoggerFactory.getLogger("audit");

  private final KubernetesClient client;
  private final OperatorConfig config;
  private final Clock clock;
  private final SecureRandom random;
  private final Consumer<KeyRing> onChange;
  private volatile KeyRing ring;
  private volatile String resourceVersion;

  public KeyRingSecretStore(
      KubernetesClient client,
      OperatorConfig config,
      Clock clock,
      SecureRandom random,
      Consumer<KeyRing> onChange) {
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.onChange = onChange;
  }

  /**
   * Loads the key ring, creating it when absent. Rotation and pruning ({@link #maintain()}) are
   * left to the leader, so a standby never writes the ring.
   */
  public synchronized KeyRing start() {
    for (int attempt = 1; ring == null; attempt++) {
      Secret existing = secrets().withName(config.keyRingSecretName()).get();
      if (existing != null) {
        adopt(existing);
      } else {
        KeyRing created = KeyRing.create(clock.instant(), random);
        try {
          adopt(secrets().resource(toSecret(created, null)).create());
          AUDIT.info(
              "audit action=keyring_create secret={}/{} kid={}",
              config.operatorNamespace(),
              config.keyRingSecretName(),
              created.activeKey().kid());
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
    for (int attempt = 1; ; attempt++) {
      Instant now = clock.instant();
      KeyRing next =
          ring.rotateIfDue(now, config.keyRotationPeriod(), PUBLISH_AHEAD, random)
              .pruneRetired(now, config.maxTtl());
      if (next == ring) {
        return;
      }
      try {
        adopt(secrets().resource(toSecret(next, resourceVersion)).update());
        AUDIT.info(
            "audit action=keyring_update secret={}/{} active_kid={} keys={}",
            config.operatorNamespace(),
            config.keyRingSecretName(),
            next.activeKey().kid(),
            next.keys().size());
        onChange.accept(ring);
        return;
      } catch (KubernetesClientException e) {
        if (!KubernetesWrites.isConflict(e) || attempt >= KubernetesWrites.MAX_ATTEMPTS) {
          throw e;
        }
        // Another replica rotated first: take its ring and decide again.
        adopt(secrets().withName(config.keyRingSecretName()).get());
      }
    }
  }

  private void adopt(Secret secret) {
    String encoded = secret.getData() == null ? null : secret.getData().get(KEY);
    if (encoded == null) {
      throw new IllegalStateException(
          "Secret "
              + config.operatorNamespace()
              + "/"
              + config.keyRingSecretName()
              + " has no '"
              + KEY
              + "' entry: delete it to let the operator create a new key ring");
    }
    ring =
        KeyRingCodec.fromJson(
            new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
    resourceVersion = secret.getMetadata().getResourceVersion();
  }

  private Secret toSecret(KeyRing keyRing, String resourceVersion) {
    String json = KeyRingCodec.toJson(keyRing);
    return new SecretBuilder()
        .withNewMetadata()
        .withName(config.keyRingSecretName())
        .withNamespace(config.operatorNamespace())
        .withLabels(Labels.managed("signing-keys"))
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .withType("Opaque")
        .addToData(KEY, Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          Secret,
          io.fabric8.kubernetes.api.model.SecretList,
          io.fabric8.kubernetes.client.dsl.Resource<Secret>>
      secrets() {
    return client.secrets().inNamespace(config.operatorNamespace());
  }
}
