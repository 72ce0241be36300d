package dev.apitoken.operator.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.StoredState;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.operator.token.KeyRing;
import dev.apitoken.operator.token.StatusListTokenSigner;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Only the operator's own signed lists are evidence: a bit that only our signed list ({@code
 * status-list.jwt}) of a copy shows is recovered into the revocation store and every copy after the
 * stores were lost; a bit shown by an edited JSON file or by a list signed with any other key is
 * never taken.
 */
@EnableKubernetesMockClient(crud = true)
class SignedListRevocationKeptTest {
  static KubernetesClient client;
  private RunningOperator operator;

  @AfterEach
  void stop() {
    try (RunningOperator stopping = operator) {
      stopping.deleteAllApiTokens();
    }
  }

  private static int bitIn(ConfigMap copy, String file, long index) {
    String text = copy.getData().get(file);
    if (text == null) {
      return -1;
    }
    StatusList list =
        file.endsWith(".jwt")
            ? dev.apitoken.format.status.StatusListToken.readUnverified(text).statusList()
            : StatusListDocument.parse(text).statusList();
    return index < list.size() ? list.get(index) : -1;
  }

  /**
   * A tenant who can edit the copy in one namespace sets the token's bit in both files, the signed
   * list signed with a key of their own: nothing of it is read. The copy is put back without the
   * bit, the revocation store never holds it, and the token stays accepted in every namespace.
   */
  @Test
  void aBitShownByAnEditedCopyOrAListSignedWithAForeignKeyIsNeverTaken() {
    MutableClock clock = new MutableClock(RunningOperator.START);
    operator = new RunningOperator(client, clock);
    operator.createNamespace("apps", Map.of());
    operator.start();
    operator.create(ApiTokens.named("a").in("apps").build());
    long index = operator.awaitReady("apps", "a").getStatus().getStatusListIndex();
    String token = operator.tokenValue("apps", "a-token");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                operator.trustConfigMap("apps") != null
                    && operator.trustConfigMap("apps").getData().containsKey("status-list.jwt"));

    ConfigMap copy = operator.trustConfigMap("apps");
    StatusListDocument json =
        StatusListDocument.parse(copy.getData().get(TrustDocument.STATUS_LIST_KEY));
    byte[] bytes = json.statusList().toBytes();
    bytes[(int) (index / 8)] |= (byte) (1 << (index % 8));
    String lst = StatusList.ofBytes(1, bytes).encodeLst();
    String uri = operator.config().statusListUri();
    String jwt =
        new StatusListTokenSigner(Duration.ofHours(1), Duration.ofSeconds(30), clock)
            .sign(
                uri,
                1,
                lst,
                new dev.apitoken.format.status.StatusListToken.Signed(
                    1_000_000, 33_554_431, Map.of()),
                KeyRing.create(clock.instant(), new SecureRandom()).activeKey())
            .compact();
    Map<String, String> data = new HashMap<>(copy.getData());
    data.put("status-list.jwt", jwt);
    data.put(
        TrustDocument.STATUS_LIST_KEY,
        StatusListDocument.of(StatusList.ofBytes(1, bytes), json.uri()).toJson());
    copy.setData(data);
    client.resource(copy).update();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              ConfigMap now = operator.trustConfigMap("apps");
              assertThat(bitIn(now, TrustDocument.STATUS_LIST_KEY, index))
                  .isEqualTo(StatusList.VALID);
              assertThat(bitIn(now, "status-list.jwt", index)).isEqualTo(StatusList.VALID);
            });
    operator.operator().maintain();
    assertThat(operator.operator().revocationStore().isRevoked(index)).isFalse();
    for (String namespace : new String[] {"apps", RunningOperator.OPERATOR_NAMESPACE}) {
      assertThat(operator.verifierFor(namespace).verify(token).rejection()).as(namespace).isEmpty();
    }
  }

  /**
   * The same while stopped: the token's ApiToken is deleted (revoked), then, with the operator
   * down, the revocation store is lost and the JSON of every copy is damaged so that only the
   * signed lists still show the bit. After the restart the bit is back in both files of every copy
   * and in the store, and no version of any copy's signed list ever showed it cleared.
   */
  @Test
  void aBitShownOnlyByTheSignedListsAfterDamageWhileStoppedIsKeptInEveryCopy() {
    String ns = "stopped-apps";
    MutableClock clock = new MutableClock(RunningOperator.START);
    operator = new RunningOperator(client, clock);
    operator.createNamespace(ns, Map.of());
    operator.start();
    operator.create(ApiTokens.named("gone").in(ns).build());
    long index = operator.awaitReady(ns, "gone").getStatus().getStatusListIndex();
    String token = operator.tokenValue(ns, "gone-token");
    client.resource(operator.get(ns, "gone")).delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> operator.get(ns, "gone") == null);
    List<String> namespaces = List.of(ns, RunningOperator.OPERATOR_NAMESPACE);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                namespaces.stream()
                    .allMatch(
                        n ->
                            bitIn(operator.trustConfigMap(n), "status-list.jwt", index)
                                == StatusList.INVALID));

    operator.close();
    String prefix = operator.config().issueRecordsConfigMapPrefix();
    StoredState.shardMaps(client, RunningOperator.OPERATOR_NAMESPACE, prefix, "issue-records")
        .forEach(m -> client.resource(m).delete());
    for (String n : namespaces) {
      ConfigMap copy = operator.trustConfigMap(n);
      StatusListDocument json =
          StatusListDocument.parse(copy.getData().get(TrustDocument.STATUS_LIST_KEY));
      byte[] bytes = json.statusList().toBytes();
      bytes[(int) (index / 8)] &= (byte) ~(1 << (index % 8));
      Map<String, String> data = new HashMap<>(copy.getData());
      data.put(
          TrustDocument.STATUS_LIST_KEY,
          StatusListDocument.of(StatusList.ofBytes(1, bytes), json.uri()).toJson());
      copy.setData(data);
      client.resource(copy).update();
      assertThat(bitIn(operator.trustConfigMap(n), TrustDocument.STATUS_LIST_KEY, index))
          .isEqualTo(StatusList.VALID);
    }
    List<ConfigMap> versions = new CopyOnWriteArrayList<>();
    Watch watch =
        client
            .configMaps()
            .inAnyNamespace()
            .withLabels(Labels.managed("trust"))
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap map) {
                    if (action != Action.DELETED) {
                      versions.add(map);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    try {
      operator.start();

      for (String n : namespaces) {
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  ConfigMap now = operator.trustConfigMap(n);
                  assertThat(bitIn(now, TrustDocument.STATUS_LIST_KEY, index))
                      .as("%s status-list.json", n)
                      .isEqualTo(StatusList.INVALID);
                  assertThat(bitIn(now, "status-list.jwt", index))
                      .as("%s status-list.jwt", n)
                      .isEqualTo(StatusList.INVALID);
                  assertThat(operator.verifierFor(n).verify(token).rejection())
                      .contains(Rejection.REVOKED);
                });
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  StoredState.revoked(client, RunningOperator.OPERATOR_NAMESPACE, prefix)
                      .isRevoked(index));
    } finally {
      watch.close();
    }
    for (ConfigMap version : versions) {
      if (TrustDocument.shardOf(
              operator.config().trustConfigMapName(), version.getMetadata().getName())
          == 0) {
        assertThat(bitIn(version, "status-list.jwt", index))
            .as(
                "signed list of %s/%s version %s",
                version.getMetadata().getNamespace(),
                version.getMetadata().getName(),
                version.getMetadata().getResourceVersion())
            .isEqualTo(StatusList.INVALID);
      }
    }
  }
}
