package dev.apitoken.operator.durability;

import static dev.apitoken.operator.testing.ConditionAssert.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apitoken.format.status.StatusList;
import dev.apitoken.format.status.StatusListDocument;
import dev.apitoken.operator.api.ApiToken;
import dev.apitoken.operator.api.Conditions;
import dev.apitoken.operator.kubernetes.Labels;
import dev.apitoken.operator.revocation.IndexSpace;
import dev.apitoken.operator.revocation.TrustDocument;
import dev.apitoken.operator.store.StoredState;
import dev.apitoken.operator.testing.ApiTokens;
import dev.apitoken.operator.testing.MutableClock;
import dev.apitoken.operator.testing.RunningOperator;
import dev.apitoken.verifier.Rejection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The six ways issue 8 found to make a revoked token valid again, each replayed against the whole
 * operator on the mock API. Every test watches every version of every published copy from the
 * moment the revocation is published: a bit once set must never be seen cleared (I1), not only at
 * the end.
 */
@EnableKubernetesMockClient(crud = true)
class RevocationDurabilityTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  static KubernetesClient client;
  static KubernetesMockServer server;

  private RunningOperator operator;
  private final List<ConfigMap> copyVersions = new CopyOnWriteArrayList<>();
  private Watch copyWatch;

  private String start(String... settings) {
    String ns = "apps-" + COUNTER.incrementAndGet();
    operator = new RunningOperator(client, new MutableClock(RunningOperator.START), settings);
    operator.createNamespace(ns, Map.of("apitoken.dev/trust", "enabled"));
    operator.start();
    return ns;
  }

  @AfterEach
  void stop() {
    if (copyWatch != null) {
      copyWatch.close();
    }
    if (operator != null) {
      try (RunningOperator stopping = operator) {
        stopping.deleteAllApiTokens();
      }
    }
  }

  /** Records every version of every trust copy from now on. */
  private void watchCopies() {
    copyWatch =
        client
            .configMaps()
            .inAnyNamespace()
            .withLabels(Labels.managed("trust"))
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap map) {
                    if (action != Action.DELETED) {
                      copyVersions.add(map);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  /** I1: no version of any copy seen since {@link #watchCopies()} shows these indices VALID. */
  private void assertNoCopyEverUnrevoked(List<Long> indices) {
    for (ConfigMap map : copyVersions) {
      String json = map.getData() == null ? null : map.getData().get(TrustDocument.STATUS_LIST_KEY);
      if (json == null) {
        continue;
      }
      StatusList list = StatusListDocument.parse(json).statusList();
      for (long index : indices) {
        assertThat(index < list.size() ? list.get(index) : StatusList.INVALID)
            .as(
                "index %d in %s/%s version %s",
                index,
                map.getMetadata().getNamespace(),
                map.getMetadata().getName(),
                map.getMetadata().getResourceVersion())
            .isEqualTo(StatusList.INVALID);
      }
    }
  }

  private void assertRevokedEverywhere(String token) {
    for (String ns : operator.operator().trustPublisher().targetNamespaces()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(operator.verifierFor(ns).verify(token).rejection())
                      .as("verification in %s", ns)
                      .contains(Rejection.REVOKED));
    }
  }

  private ApiToken revoke(String ns, String name) {
    ApiToken current = operator.get(ns, name);
    current.getSpec().setRevoked(true);
    client.resource(current).update();
    return operator.awaitCondition(ns, name, Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);
  }

  private void deleteStoreShards() {
    StoredState.shardMaps(
            client,
            RunningOperator.OPERATOR_NAMESPACE,
            operator.config().issueRecordsConfigMapPrefix(),
            "issue-records")
        .forEach(m -> client.resource(m).delete());
  }

  /**
   * Scenario 1: the revocation store deleted while the operator is stopped; copies must never
   * un-revoke.
   */
  @Test
  void aStoreDeletedWhileStoppedIsRebuiltFromTheCopiesAndNoCopyEverUnrevokes() {
    String ns = start();
    operator.create(ApiTokens.named("deleted-one").in(ns).build());
    operator.create(ApiTokens.named("flagged-one").in(ns).build());
    long deletedIndex = operator.awaitReady(ns, "deleted-one").getStatus().getStatusListIndex();
    String deletedToken = operator.tokenValue(ns, "deleted-one-token");
    long flaggedIndex = operator.awaitReady(ns, "flagged-one").getStatus().getStatusListIndex();
    String flaggedToken = operator.tokenValue(ns, "flagged-one-token");
    client.resource(operator.get(ns, "deleted-one")).delete();
    await().until(() -> operator.get(ns, "deleted-one") == null);
    revoke(ns, "flagged-one");
    watchCopies();

    operator.close();
    deleteStoreShards();
    operator.start();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                StoredState.revoked(
                            client,
                            RunningOperator.OPERATOR_NAMESPACE,
                            operator.config().issueRecordsConfigMapPrefix())
                        .isRevoked(deletedIndex)
                    && StoredState.revoked(
                            client,
                            RunningOperator.OPERATOR_NAMESPACE,
                            operator.config().issueRecordsConfigMapPrefix())
                        .isRevoked(flaggedIndex));
    assertRevokedEverywhere(deletedToken);
    assertRevokedEverywhere(flaggedToken);
    operator.create(ApiTokens.named("after-restart").in(ns).build());
    operator.awaitReady(ns, "after-restart");
    assertNoCopyEverUnrevoked(List.of(deletedIndex, flaggedIndex));
    // People are told which source held what the store lacked.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                client
                    .v1()
                    .events()
                    .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
                    .list()
                    .getItems()
                    .stream()
                    .anyMatch(
                        e ->
                            "RevocationSourceDisagrees".equals(e.getReason())
                                && e.getMessage().startsWith("signed copies")));
  }

  /**
   * Scenario 2: a store shard the API server refuses (422, as at the 1 MiB limit) is a distinct,
   * retried failure, and revocations in other shards go through meanwhile.
   */
  @Test
  void aRefusedStoreShardIsReportedAndRetriedAndNeverBlocksOtherShards() {
    String ns = start();
    operator.create(ApiTokens.named("first").in(ns).build());
    operator.awaitReady(ns, "first");
    revoke(ns, "first"); // the store shard of the tokens issued now exists
    operator.create(ApiTokens.named("stuck").in(ns).build());
    long stuckIndex = operator.awaitReady(ns, "stuck").getStatus().getStatusListIndex();
    long stuckShard = stuckIndex / IndexSpace.RECORD_SHARD_SIZE;
    long nextShardStart = (stuckShard + 1) * IndexSpace.RECORD_SHARD_SIZE;

    // The next tokens land in the following store shard: move the index counter past this one.
    operator.close();
    ConfigMap state =
        client
            .configMaps()
            .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
            .withName(operator.config().stateConfigMapName())
            .get();
    state.getData().put("next-index", Long.toString(nextShardStart));
    client.resource(state).update();
    operator.start();
    operator.create(ApiTokens.named("other-shard").in(ns).build());
    long otherIndex = operator.awaitReady(ns, "other-shard").getStatus().getStatusListIndex();
    assertThat(otherIndex).isGreaterThanOrEqualTo(nextShardStart);

    String shard0 = operator.config().issueRecordsConfigMapPrefix() + "-" + stuckShard;
    server
        .expect()
        .put()
        .withPath(
            "/api/v1/namespaces/" + RunningOperator.OPERATOR_NAMESPACE + "/configmaps/" + shard0)
        .andReturn(
            422,
            new StatusBuilder()
                .withCode(422)
                .withReason("Invalid")
                .withMessage("ConfigMap is too long: must have at most 1048576 bytes")
                .build())
        // About 35 s of refusals at the store's backoff: long enough to be seen on a loaded
        // machine.
        .times(12);

    ApiToken stuck = operator.get(ns, "stuck");
    stuck.getSpec().setRevoked(true);
    client.resource(stuck).update();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                dev.apitoken.operator.testing.ConditionAssert.condition(
                        operator.get(ns, "stuck"), Conditions.REVOKED)
                    .map(c -> Conditions.REASON_REVOCATION_STORE_REFUSED.equals(c.getReason()))
                    .orElse(false));
    ApiToken reported = operator.get(ns, "stuck");
    var refused =
        assertCondition(
            reported,
            Conditions.REVOKED,
            Conditions.FALSE,
            Conditions.REASON_REVOCATION_STORE_REFUSED);
    assertThat(refused.getMessage()).contains("422").contains(shard0);
    assertThat(operator.secret(ns, "stuck-token")).as("Secret kept until recorded").isNotNull();

    revoke(ns, "other-shard"); // shard 1 is not held up by shard 0

    // Once the API server takes the write again, the stuck revocation completes.
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                dev.apitoken.operator.testing.ConditionAssert.hasCondition(
                    operator.get(ns, "stuck"), Conditions.REVOCATION_PUBLISHED, Conditions.TRUE));
    assertThat(operator.secret(ns, "stuck-token")).isNull();
  }

  /** Scenario 3: a namespace leaving the selector keeps a copy that is kept up to date. */
  @Test
  void aCopyInANamespaceThatLeftTheSelectorIsKeptUpToDate() {
    String ns = start("--target-namespace-selector=apitoken.dev/trust=enabled");
    String leaving = ns + "-leaving";
    operator.createNamespace(leaving, Map.of("apitoken.dev/trust", "enabled"));
    operator.create(ApiTokens.named("t").in(ns).build());
    operator.awaitReady(ns, "t");
    String token = operator.tokenValue(ns, "t-token");
    await().until(() -> operator.trustConfigMap(leaving) != null);

    var namespace = client.namespaces().withName(leaving).get();
    namespace.getMetadata().getLabels().remove("apitoken.dev/trust");
    client.resource(namespace).update();
    ApiToken revoked = revoke(ns, "t");

    assertThat(operator.verifierFor(leaving).verify(token).rejection()).contains(Rejection.REVOKED);
    assertThat(operator.operator().trustPublisher().targetNamespaces()).contains(leaving);
    assertThat(
            assertCondition(
                    revoked,
                    Conditions.REVOCATION_PUBLISHED,
                    Conditions.TRUE,
                    Conditions.REASON_PUBLISHED)
                .getMessage())
        .contains("target namespace");
  }

  /** Scenario 4a: subject changed and revoked in one edit: the earlier token is revoked too. */
  @Test
  void aSubjectChangeAndRevocationInOneEditRevokeTheEarlierToken() {
    String ns = start();
    operator.create(ApiTokens.named("s").in(ns).subject("before").build());
    operator.awaitReady(ns, "s");
    String token = operator.tokenValue(ns, "s-token");

    ApiToken edited = operator.get(ns, "s");
    edited.getSpec().setSubject("after");
    edited.getSpec().setRevoked(true);
    client.resource(edited).update();
    operator.awaitCondition(ns, "s", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);

    assertRevokedEverywhere(token);
  }

  /** Scenario 4b: a status lost after a reissue: both tokens are still found and revoked. */
  @Test
  void aLostStatusDoesNotHideEarlierTokensFromRevocation() {
    String ns = start();
    operator.create(ApiTokens.named("r").in(ns).subject("one").build());
    ApiToken first = operator.awaitReady(ns, "r");
    String firstToken = operator.tokenValue(ns, "r-token");
    ApiToken edited = operator.get(ns, "r");
    edited.getSpec().setSubject("two");
    client.resource(edited).update();
    operator.awaitNewToken(ns, "r", first.getStatus().getJti());
    String secondToken = operator.tokenValue(ns, "r-token");

    operator.close();
    ApiToken restored = operator.get(ns, "r");
    restored.setStatus(null);
    client.resource(restored).updateStatus();
    restored = operator.get(ns, "r");
    restored.getSpec().setRevoked(true);
    client.resource(restored).update();
    operator.start();
    operator.awaitCondition(ns, "r", Conditions.REVOCATION_PUBLISHED, Conditions.TRUE);

    assertRevokedEverywhere(firstToken);
    assertRevokedEverywhere(secondToken);
  }

  /** Scenario 5: the finalizer stripped and the ApiToken deleted while the operator is down. */
  @Test
  void aTokenWhoseApiTokenVanishedWhileStoppedIsRevokedAtStart() {
    String ns = start();
    operator.create(ApiTokens.named("gone").in(ns).build());
    operator.awaitReady(ns, "gone");
    String token = operator.tokenValue(ns, "gone-token");

    operator.close();
    ApiToken gone = operator.get(ns, "gone");
    gone.getMetadata().setFinalizers(new ArrayList<>());
    client.resource(gone).update();
    client.resource(operator.get(ns, "gone")).delete();
    await().until(() -> operator.get(ns, "gone") == null);
    operator.start();

    assertRevokedEverywhere(token);
  }

  /**
   * Scenario 6: every ConfigMap in the operator namespace deleted while stopped: no index reuse.
   */
  @Test
  void losingEveryObjectInTheOperatorNamespaceNeverReusesAnIndex() {
    String ns = start();
    operator.create(ApiTokens.named("old").in(ns).build());
    long oldIndex = operator.awaitReady(ns, "old").getStatus().getStatusListIndex();
    String oldToken = operator.tokenValue(ns, "old-token");

    operator.close();
    client.configMaps().inNamespace(RunningOperator.OPERATOR_NAMESPACE).delete();
    await()
        .until(
            () ->
                client
                    .configMaps()
                    .inNamespace(RunningOperator.OPERATOR_NAMESPACE)
                    .list()
                    .getItems()
                    .isEmpty());
    operator.start();
    operator.create(ApiTokens.named("new").in(ns).build());
    long newIndex = operator.awaitReady(ns, "new").getStatus().getStatusListIndex();
    revoke(ns, "new");

    assertThat(newIndex).isGreaterThan(oldIndex);
    assertThat(operator.verifierFor(ns).verify(oldToken).isAccepted()).isTrue();
  }
}
