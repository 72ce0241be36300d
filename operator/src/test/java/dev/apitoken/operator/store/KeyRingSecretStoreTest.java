package dev.apitoken.operator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.apitoken.operator.config.ConfigLoader;
import dev.apitoken.operator.config.OperatorConfig;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.SigningKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The key-ring Secret store alone, on the mock API with a manual clock: created once and shared by
 * replicas, rotated by the leader when due, a revocation request honoured and recorded, a deleted
 * Secret written back with the same keys, a standby and a replica without the Lease writing
 * nothing.
 */
@EnableKubernetesMockClient(crud = true)
class KeyRingSecretStoreTest {
  static KubernetesClient client;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final OperatorConfig config =
      ConfigLoader.load(new String[0], Map.of("POD_NAMESPACE", "ops"));
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final List<KeyRingSecretStore> stores = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    stores.forEach(KeyRingSecretStore::close);
    client.secrets().inNamespace("ops").withName(config.keyRingSecretName()).delete();
  }

  @Test
  void theRingIsCreatedOnceAndASecondReplicaLoadsTheSameKeys() {
    KeyRing first = store().start();
    KeyRing second = store().start();

    assertThat(kids(second)).isEqualTo(kids(first));
    Secret secret = secret();
    assertThat(secret.getData()).containsOnlyKeys(KeyRingSecretStore.KEY);
    assertThat(secret.getMetadata().getAnnotations().get(KeyRingSecretStore.KEYS_ANNOTATION))
        .contains(first.activeKey().kid())
        .doesNotContain("\"d\"");
  }

  @Test
  void theLeaderRotatesWhenDueAndAStandbyFollows() {
    AtomicReference<KeyRing> heard = new AtomicReference<>();
    KeyRingSecretStore leader = store(heard::set);
    KeyRing start = leader.start();
    leader.startWriting();
    KeyRingSecretStore standby = store();
    standby.start();

    leader.maintain();
    assertThat(kids(leader.current())).as("not due: nothing changes").isEqualTo(kids(start));

    clock.advance(config.keyRotationPeriod());
    leader.maintain();

    assertThat(leader.current().keys()).hasSizeGreaterThan(start.keys().size());
    assertThat(heard.get()).isEqualTo(leader.current());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> kids(standby.current()).equals(kids(leader.current())));
  }

  @Test
  void aRevocationRequestRemovesTheKeyRecordsItAndClearsTheRequest() {
    KeyRingSecretStore leader = store();
    String revoked = leader.start().activeKey().kid();
    leader.startWriting();

    client
        .secrets()
        .inNamespace("ops")
        .withName(config.keyRingSecretName())
        .edit(
            s -> {
              s.getMetadata()
                  .getAnnotations()
                  .put(KeyRingSecretStore.REVOKE_KIDS_ANNOTATION, revoked);
              return s;
            });

    await().atMost(Duration.ofSeconds(10)).until(() -> !kids(leader.current()).contains(revoked));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(secret().getMetadata().getAnnotations())
                    .doesNotContainKey(KeyRingSecretStore.REVOKE_KIDS_ANNOTATION)
                    .extractingByKey(KeyRingSecretStore.REVOKED_KIDS_ANNOTATION)
                    .asString()
                    .startsWith(revoked + "="));
    assertThat(leader.revokedKids().kids()).contains(revoked);
    assertThat(warnings).contains(KeyRingSecretStore.REASON_KEY_REVOKED);
  }

  @Test
  void aDeletedSecretIsWrittenBackWithTheSameKeysAndAWarning() {
    KeyRingSecretStore leader = store();
    KeyRing held = leader.start();
    leader.startWriting();

    client.secrets().inNamespace("ops").withName(config.keyRingSecretName()).delete();

    await().atMost(Duration.ofSeconds(10)).until(() -> secretOrNull() != null);
    KeyRingSecretStore reader = store();
    assertThat(kids(reader.start())).isEqualTo(kids(held));
    assertThat(warnings).contains(KeyRingSecretStore.REASON_RESTORED);
  }

  @Test
  void aStandbyNeverWritesTheRingBack() {
    KeyRingSecretStore standby = store();
    standby.start();

    client.secrets().inNamespace("ops").withName(config.keyRingSecretName()).delete();

    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> secretOrNull() == null);
    assertThat(warnings).isEmpty();
  }

  @Test
  void withoutTheLeaseNoRotationIsWritten() {
    KeyRingSecretStore leader = store();
    KeyRing start = leader.start();
    leader.startWriting();
    leader.fence(() -> false);
    String version = secret().getMetadata().getResourceVersion();

    clock.advance(config.keyRotationPeriod());
    assertThatThrownBy(leader::maintain)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not the leader");

    assertThat(secret().getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(kids(leader.current())).isEqualTo(kids(start));
  }

  private KeyRingSecretStore store() {
    return store(ring -> {});
  }

  private KeyRingSecretStore store(java.util.function.Consumer<KeyRing> onChange) {
    KeyRingSecretStore store =
        new KeyRingSecretStore(
            client,
            config,
            clock,
            new SecureRandom(),
            onChange,
            (secret, reason, message) -> warnings.add(reason));
    stores.add(store);
    return store;
  }

  private Secret secret() {
    Secret secret = secretOrNull();
    assertThat(secret).isNotNull();
    return secret;
  }

  private Secret secretOrNull() {
    return client.secrets().inNamespace("ops").withName(config.keyRingSecretName()).get();
  }

  private static java.util.Set<String> kids(KeyRing ring) {
    return ring.keys().stream().map(SigningKey::kid).collect(Collectors.toSet());
  }
}
